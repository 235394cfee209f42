"""Migrations 0017–0019: free-text contact names of employers and reached calls become the
structured fields; what the parser cannot read is kept (in the surname) and reported; going
back writes the names again."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import Call, State
from tests.factories import EmployerFactory
from tests.helpers import case_in_state

BEFORE = ("cases", "0017_contact_person_fields")
AFTER = ("cases", "0019_contact_name_removed")


def migrate(target: tuple[str, str]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def _back_to_latest() -> Any:
    """The tests after this one need every migration applied again."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_back_to_latest")
def test_contact_names_are_split_and_what_is_not_parsed_is_reported(
    inspector, capsys: pytest.CaptureFixture[str]
) -> None:
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    plain = EmployerFactory(
        contact_form_of_address="",
        contact_initials="",
        contact_tussenvoegsel="",
        contact_surname="",
    )
    call_pk, employer_pk = Call.objects.get(case=case, reached=True).pk, case.employer_id
    try:
        old = migrate(BEFORE)
        old_call = old.get_model("cases", "Call").objects.get(pk=call_pk)
        old_employer = old.get_model("cases", "Employer")
        # Going back wrote the names as screens show them.
        assert old_call.contact_name == "de heer J. de Vries"
        assert old_employer.objects.get(pk=employer_pk).contact_name == "de heer J. de Vries"
        assert old_employer.objects.get(pk=plain.pk).contact_name == ""
        old.get_model("cases", "Call").objects.filter(pk=call_pk).update(
            contact_name="Mw. drs. A. van der Berg-de Wit"
        )
        old_employer.objects.filter(pk=employer_pk).update(contact_name="afdeling personeelszaken")
        capsys.readouterr()
    finally:
        after = migrate(AFTER)
    report = capsys.readouterr().out

    # Read with the models as they are at AFTER (later migrations add columns).
    after_call, after_employer = (after.get_model("cases", m) for m in ("Call", "Employer"))
    call = after_call.objects.get(pk=call_pk)
    assert (
        call.contact_form_of_address,
        call.contact_title,
        call.contact_initials,
        call.contact_tussenvoegsel,
        call.contact_surname,
    ) == ("mevrouw", "drs.", "A.", "van der", "Berg-de Wit")
    employer = after_employer.objects.get(pk=employer_pk)
    assert (employer.contact_form_of_address, employer.contact_surname) == (
        "",
        "afdeling personeelszaken",
    )
    assert "Contact names not parsed with confidence (1)" in report
    assert f"employer {employer_pk}: 'afdeling personeelszaken'" in report
    assert "Berg" not in report
    assert after_employer.objects.get(pk=plain.pk).contact_surname == ""
