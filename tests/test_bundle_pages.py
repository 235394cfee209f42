"""Bundled handling where people see it: the case page (attaching and detaching through the
action route, the lead and its attached cases shown on both pages, the lead's agreements and
letter on an attached case's page), the employer page (one call, shown once), the list
export (the lead, the letter sent and the agreements of an attached case) and the cases a
print batch selects (the lead's letter, once); the draft letter of an attached case (its
lead's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.batch_selectors import unsent_letters
from cases.exports.case_rows import COLUMNS
from cases.models import Case, Employer, Letter, State
from tests.factories import EmployerFactory
from tests.helpers import (
    EC,
    UI,
    R,
    add_agreement,
    case_in_state,
    confirm,
    fresh,
    intake,
    record_reached_call,
)
from tests.spreadsheets import csv_rows
from tests.test_letter_draft import draft, one_line, pdftotext


def post_action(client: Client, case: Case, action: str, **data: Any) -> Any:
    return client.post(
        reverse("case_action", args=[case.reference, action]),
        {"version": fresh(case).version, **data},
    )


@pytest.fixture
def employer(db: Any) -> Employer:
    return EmployerFactory()


@pytest.fixture
def bundle(inspector: User, supervisor: User, employer: Employer) -> tuple[Case, list[Case]]:
    """A lead under investigation with two attached cases: one from the intake queue and
    one of its inspector's own."""
    lead = case_in_state(UI, inspector=inspector, employer=employer)
    members = [
        intake(supervisor, employer=employer),
        case_in_state(R, inspector=inspector, employer=employer),
    ]
    services.bundle_attach(
        case=lead, actor=inspector, version=lead.version, cases=[m.pk for m in members]
    )
    return fresh(lead), [fresh(m) for m in members]


def test_attaching_through_the_case_page(
    client: Client, inspector: User, supervisor: User, employer: Employer
) -> None:
    lead = case_in_state(UI, inspector=inspector, employer=employer)
    queued = intake(supervisor, employer=employer)
    elsewhere = intake(supervisor)  # another employer: not offered
    client.force_login(inspector)
    page = client.get(reverse("case_detail", args=[lead.reference])).content.decode()
    assert f'value="{queued.reference}"' in page
    assert elsewhere.reference not in page
    response = post_action(client, lead, "bundle_attach", cases=[queued.reference])
    assert response.status_code == 302
    assert fresh(queued).bundle_lead_id == lead.pk
    page = client.get(response["Location"]).content.decode()
    assert f"Nu samen met {lead.reference} behandeld: {queued.reference}." in page
    assert 'data-testid="bundled-case"' in page


def test_an_unknown_or_foreign_reference_is_refused_with_a_dutch_message(
    client: Client, inspector: User, other_inspector: User, employer: Employer
) -> None:
    lead = case_in_state(UI, inspector=inspector, employer=employer)
    theirs = case_in_state(UI, inspector=other_inspector, employer=employer)
    client.force_login(inspector)
    for reference in ("TW-2099-99999", theirs.reference):  # the second is outside her scope
        response = post_action(client, lead, "bundle_attach", cases=[reference])
        assert response.status_code == 200
        assert f"Er is geen melding met kenmerk {reference}." in response.content.decode()
    assert fresh(theirs).bundle_lead_id is None
    response = post_action(client, lead, "bundle_attach")
    assert "Kies ten minste één melding om samen te behandelen." in response.content.decode()


def test_the_attached_case_shows_its_lead_and_can_be_detached(
    client: Client, inspector: User, bundle: tuple[Case, list[Case]]
) -> None:
    lead, (member, _other) = bundle
    client.force_login(inspector)
    page = client.get(reverse("case_detail", args=[member.reference])).content.decode()
    lead_url = reverse("case_detail", args=[lead.reference])
    assert f'<a href="{lead_url}">{lead.reference}</a> (de leidende melding)' in page
    assert 'data-action="bundle_detach"' in page
    assert 'data-action="call"' not in page  # the call is recorded on the lead
    response = post_action(client, member, "bundle_detach")
    assert response.status_code == 302
    member = fresh(member)
    assert (member.bundle_lead_id, member.state) == (None, UI)


def test_after_the_letter_an_attached_case_shows_the_leads_agreements_and_letter(
    client: Client, inspector: User, bundle: tuple[Case, list[Case]]
) -> None:
    lead, (member, _other) = bundle
    record_reached_call(lead, inspector)
    agreement = add_agreement(lead, inspector, description="Thuiswerken twee dagen per week.")
    confirm(lead, inspector)
    client.force_login(inspector)
    page = client.get(reverse("case_detail", args=[member.reference])).content.decode()
    assert agreement.description in page
    assert f"{lead.reference}, versie 1" in page
    assert reverse("letter_download", args=[lead.reference, 1]) in page
    assert 'data-action="bundle_detach"' not in page  # called: no detaching any more
    assert 'data-action="letter_mark_sent"' not in page  # once, on the lead


def test_the_employer_page_shows_the_one_call_once(
    client: Client, inspector: User, bundle: tuple[Case, list[Case]], employer: Employer
) -> None:
    lead, members = bundle
    record_reached_call(lead, inspector)
    assert all(fresh(m).state == EC for m in members)
    client.force_login(inspector)
    page = client.get(reverse("employer_detail", args=[employer.pk])).content.decode()
    assert page.count('data-kind="call"') == 1


def test_the_export_names_the_lead_and_the_shared_letter(
    client: Client, inspector: User, supervisor: User, bundle: tuple[Case, list[Case]]
) -> None:
    lead, (member, _other) = bundle
    record_reached_call(lead, inspector)
    add_agreement(lead, inspector)
    letter = confirm(lead, inspector)
    services.letter_mark_sent(
        letter=letter,
        actor=inspector,
        version=fresh(lead).version,
        sent_at=timezone.localdate(),
        sent_via="post",
    )
    client.force_login(supervisor)
    response = client.get(reverse("case_export", kwargs={"scope": "alle", "fmt": "csv"}))
    rows = csv_rows(b"".join(response.streaming_content))
    keys = [c.key for c in COLUMNS]
    by_reference = {row[0]: dict(zip(keys, row, strict=True)) for row in rows[1:]}
    assert by_reference[member.reference]["bundle_lead"] == lead.reference
    assert by_reference[lead.reference]["bundle_lead"] == ""
    assert by_reference[member.reference]["agreements"] == "1"
    assert (
        by_reference[member.reference]["letter_sent"] == by_reference[lead.reference]["letter_sent"]
    )
    assert by_reference[member.reference]["letter_sent"] != ""


def test_a_print_batch_selects_the_leads_letter_once(
    inspector: User, bundle: tuple[Case, list[Case]]
) -> None:
    lead, members = bundle
    record_reached_call(lead, inspector)
    add_agreement(lead, inspector)
    confirm(lead, inspector)
    (letter,) = Letter.objects.all()
    attached_only = Case.objects.filter(pk__in=[m.pk for m in members])
    assert list(unsent_letters(attached_only)) == [letter]
    assert list(unsent_letters(Case.objects.filter(state=State.AGREEMENTS_CONFIRMED))) == [letter]


def test_the_draft_of_a_case_handled_together_with_others_is_its_leads(
    inspector: User, tmp_path: Path
) -> None:
    lead = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    member = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector, employer=lead.employer)
    services.bundle_attach(case=lead, actor=inspector, version=lead.version, cases=[member.pk])
    record_reached_call(fresh(lead), inspector)
    add_agreement(fresh(lead), inspector, description="Thuiswerken op dinsdag en donderdag.")
    path = tmp_path / "concept.pdf"
    out, _err = draft(member.reference, path)
    assert f"samen behandeld met {lead.reference}" in out
    text = one_line(pdftotext(path))
    assert lead.reference in text and member.reference not in text
    assert "Thuiswerken op dinsdag en donderdag." in text


def test_a_reopened_case_still_shows_the_letter_that_covered_it(
    client: Client, inspector: User, supervisor: User, bundle: tuple[Case, list[Case]]
) -> None:
    lead, (member, _other) = bundle
    record_reached_call(lead, inspector)
    add_agreement(lead, inspector)
    confirm(lead, inspector)
    services.case_close(
        case=lead,
        actor=inspector,
        version=fresh(lead).version,
        outcome="doorverwezen_inspectie_op_locatie",
    )
    services.case_reopen(case=member, actor=supervisor, version=fresh(member).version, reason="x")
    assert fresh(member).bundle_lead_id is None
    client.force_login(supervisor)
    page = client.get(reverse("case_detail", args=[member.reference])).content.decode()
    assert f"{lead.reference}, versie 1" in page
    assert 'data-testid="bundle-lead"' not in page
