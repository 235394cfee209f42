"""The workflow table (cases/workflow.py): it agrees with the state machine, every row can be
carried out, and the rest of the application derives from it instead of repeating it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django_fsm import RETURN_VALUE

from cases import permissions, workflow
from cases.action_forms import ActionForm
from cases.models import Case, Event, EventKind, SentVia, State
from cases.workflow import ACTIONS, Action
from tests.helpers import case_in_state, fresh

ROOT = Path(settings.BASE_DIR)


def fsm_edges() -> dict[str, set[tuple[str, str]]]:
    edges: dict[str, set[tuple[str, str]]] = {}
    for transition in Case._meta.get_field("state").get_all_transitions(Case):
        target = transition.target
        targets = target.allowed_states if isinstance(target, RETURN_VALUE) else [target]
        edges.setdefault(transition.name, set()).update(
            (str(transition.source), str(t)) for t in targets
        )
    return edges


def test_table_and_state_machine_agree_edge_for_edge() -> None:
    assert workflow.transition_edges() == fsm_edges()


def test_every_transition_method_is_one_action() -> None:
    methods = [a.transition for a in ACTIONS.values() if a.transition]
    assert len(methods) == len(set(methods))
    for name in methods:
        assert callable(getattr(Case, name))


@pytest.mark.parametrize("action", list(ACTIONS.values()), ids=lambda a: a.name)
def test_every_row_is_complete(action: Action) -> None:
    assert action.name == next(k for k, v in ACTIONS.items() if v is action)
    assert str(action.label)
    assert set(action.sources) <= set(State.values)
    assert set(action.targets) <= set(State.values)
    assert isinstance(action.rule, permissions.Rule) and str(action.rule.refusal)
    if action.event:
        assert action.event in EventKind.values
    if not action.is_write:
        assert action.url_name
        return
    assert action.event, "a write writes an Event"
    parameters = inspect.signature(action.run).parameters
    assert {"case", "actor", "version"} <= set(parameters)
    if action.form:
        assert issubclass(action.form_class, ActionForm)
    if action.section:
        assert action.form, "what the case page shows, it needs a form for"
        assert str(action.button)


def test_preview_states_come_from_the_table() -> None:
    assert workflow.preview_states() == ACTIONS["letter_preview"].sources
    assert set(workflow.preview_states()) == {State.EMPLOYER_CALLED, State.AGREEMENTS_CONFIRMED}


# ---------------------------------------------------------------------------
# No rule re-derived elsewhere

STATE_OR_SENT_VIA = "|".join([*State.values, *SentVia.values])
TAG_WITH_LITERAL = re.compile(
    r"\{%-?\s*(?:if|elif|with)\b[^%]*?(['\"])(?:" + STATE_OR_SENT_VIA + r")\1[^%]*%\}"
)


def test_no_template_compares_with_a_state_or_sent_via_code() -> None:
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for match in TAG_WITH_LITERAL.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not offenders, offenders


def test_the_template_check_would_catch_one() -> None:
    assert TAG_WITH_LITERAL.search('{% if case.state == "received" %}')
    assert TAG_WITH_LITERAL.search("{% elif letter.sent_via == 'post' and x %}")
    assert TAG_WITH_LITERAL.search('{% with open=case.state|default:"closed" %}')
    assert not TAG_WITH_LITERAL.search('{% if column == "received_at" %}')


def test_no_module_under_cases_passes_600_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "cases").rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert not long, long


# ---------------------------------------------------------------------------
# A new action is a row in the table


def test_a_new_action_needs_only_its_row(
    client: Any, inspector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The case page offers it, the action route carries it out with the generic service,
    and the Event is written: nothing but the row (and its Event kind) was added."""
    waiting = Action(
        "wait_for_employer",
        "Wacht op werkgever",
        sources=(State.EMPLOYER_CALLED,),
        rule=permissions.HANDLE,
        event="waiting_for_employer",
        button="Wacht op werkgever",
        done="Vastgelegd dat u op de werkgever wacht.",
    )
    monkeypatch.setitem(ACTIONS, waiting.name, waiting)
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    other = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    client.force_login(inspector)
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert 'data-action="wait_for_employer"' in page
    page = client.get(reverse("case_detail", args=[other.reference])).content.decode()
    assert 'data-action="wait_for_employer"' not in page

    url = reverse("case_action", args=[case.reference, waiting.name])
    response = client.post(url, {"version": case.version})
    assert response.status_code == 302
    after = fresh(case)
    assert (after.state, after.version) == (State.EMPLOYER_CALLED, case.version + 1)
    event = Event.objects.filter(case=case).latest("pk")
    assert (event.kind, event.actor, event.from_state) == ("waiting_for_employer", inspector, "")

    refused = client.post(
        reverse("case_action", args=[other.reference, waiting.name]), {"version": other.version}
    )
    assert refused.status_code == 200
    assert fresh(other).version == other.version


def test_a_case_in_the_intake_queue_stays_at_its_first_version(
    inspector, supervisor, functional_admin
) -> None:
    """Only taking and assigning apply to a case in the intake queue, and both take it out of
    the queue: so a queue case is always at selectors.QUEUE_VERSION (the race loser's 409
    relies on it)."""
    from cases.selectors import QUEUE_VERSION
    from tests.helpers import intake

    case = fresh(intake(supervisor))
    assert case.version == QUEUE_VERSION
    for user in (inspector, supervisor, functional_admin):
        possible = {
            a.name for a in ACTIONS.values() if a.is_write and workflow.allows(a, case, user)
        }
        assert possible <= {"take", "assign"}, (user, possible)
