from cases.models import Event, State
from tests.helpers import case_in_state, fresh


def test_full_path(inspector):
    case = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    assert fresh(case).state == State.AGREEMENTS_CONFIRMED
    assert Event.objects.filter(case=case).count() == 7
