"""Bundled handling in a real browser (cases/services/bundles.py): an inspector attaches three
meldingen about one employer to a fourth, makes one call, one letter and closes once; every
case ends closed with its own Events, the dashboard counts all four, and the letter names none
of the melders, no other reference and not how many meldingen it covers. axe on every new page
state, and no sideways scrolling on a phone."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from cases.models import Call, Case, Event, EventKind, Letter, LetterCase, Outcome
from cases.services import MelderInput
from tests.browser.conftest import (
    ARTIFACTS,
    assert_no_horizontal_scroll,
    check_accessibility,
    login,
)
from tests.factories import EmployerFactory
from tests.helpers import AC, CL, EC, UI, R, case_in_state, figures_for, intake

# Four melders and four descriptions nobody else would write: none of it may reach the letter.
MELDERS = [
    MelderInput(
        name="Ottoline Vreeswijk", email="o.vreeswijk@melder-een.example", phone="0619283746"
    ),
    MelderInput(name="Barend Quispel", email="b.quispel@melder-twee.example", phone="0657483920"),
    MelderInput(name="Fenneke Zwanenburg", email="fenneke@melder-drie.example", phone="0638291047"),
    MelderInput(name="Ruurd Tjallingii", email="ruurd.t@melder-vier.example", phone="0645362718"),
]
DESCRIPTIONS = [
    "Op de afdeling Zilverreiger moet iedereen vijf dagen per week aanwezig zijn.",
    "Mijn teamleider Kwakernaak verbiedt thuiswerken sinds de verhuizing naar Lelystad.",
    "In het magazijnkantoor Paddenstoelweg mag niemand meer thuiswerken.",
    "Sinds het reorganisatieplan Horizon moeten alle planners op kantoor zitten.",
]
# A word of each description that no letter has reason to contain.
DESCRIPTION_WORDS = ["Zilverreiger", "Kwakernaak", "Paddenstoelweg", "Horizon"]


def open_action(scope: Any, name: str) -> Any:
    """The <details> of an action, opened; returns its locator."""
    block = scope.locator(f'details[data-action="{name}"]').first
    if block.get_attribute("open") is None:
        block.locator("summary").click()
    return block


def moves(case: Case) -> list[tuple[str, str, str]]:
    """The case's own transition Events: (kind, from, to), in order."""
    return [
        (e.kind, e.from_state, e.to_state)
        for e in Event.objects.filter(case=case).order_by("pk")
        if e.from_state and e.to_state and e.from_state != e.to_state
    ]


def test_inspector_handles_four_meldingen_as_one(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    employer = EmployerFactory(name="Drukkerij Zeefdruk Noord B.V.")

    def melding(index: int, **kwargs: Any) -> dict[str, Any]:
        return {
            "employer": employer,
            "melder": MELDERS[index],
            "description": DESCRIPTIONS[index],
            **kwargs,
        }

    lead = case_in_state(UI, inspector=inspector, **melding(0))
    queued = intake(supervisor, **melding(1))  # the intake queue: nobody handles it yet
    received = case_in_state(R, inspector=inspector, **melding(2))
    investigated = case_in_state(UI, inspector=inspector, **melding(3))
    members = [queued, received, investigated]
    everyone = [lead, *members]
    lead_url = f"{live_server.url}/meldingen/{lead.reference}/"

    login(page, live_server, inspector.username)
    page.goto(lead_url)
    together = page.locator("#samen")
    expect(together.get_by_role("heading", level=2)).to_have_text("Samen behandelen")
    attach = open_action(together, "bundle_attach")
    boxes = attach.get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    for member in members:
        expect(
            attach.get_by_role("checkbox", name=re.compile(rf"^{member.reference},"))
        ).not_to_be_checked()
    # The choices name the case, never its melder.
    expect(attach).not_to_contain_text(MELDERS[1].name)
    expect(
        attach.get_by_role("checkbox", name=re.compile(rf"^{queued.reference},.*intake"))
    ).to_be_visible()
    expect(attach).to_contain_text("intake (nog niemand)")
    check_accessibility(page, "bundle-lead-attach-form")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert_no_horizontal_scroll(page, f"bundle-lead-attach-form-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})

    for member in members:
        attach.get_by_role("checkbox", name=re.compile(rf"^{member.reference},")).check()
    attach.get_by_role("button", name="Samen behandelen").click()
    message = page.get_by_role("status").first
    expect(message).to_contain_text(f"Nu samen met {lead.reference} behandeld: ")
    for member in members:
        expect(message).to_contain_text(member.reference)
    rows = page.get_by_test_id("bundled-case")
    expect(rows).to_have_count(3)
    for member in members:
        expect(rows.get_by_role("link", name=member.reference)).to_be_visible()
    # Nothing left to attach: the form is gone.
    expect(page.locator('details[data-action="bundle_attach"]')).to_have_count(0)
    check_accessibility(page, "bundle-lead-with-bundle")
    page.locator("#samen").screenshot(path=str(ARTIFACTS / "bundle-lead-section.png"))
    page.set_viewport_size({"width": 390, "height": 900})
    assert_no_horizontal_scroll(page, "bundle-lead-with-bundle-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    for member in members:
        now = Case.objects.get(pk=member.pk)
        assert (now.state, now.bundle_lead_id, now.assignee_id) == (UI, lead.pk, inspector.pk)

    # An attached case before the call: the lead named and linked, a button to detach; its
    # own call, agreements, letter and closing are the lead's.
    rows.get_by_role("link", name=queued.reference).click()
    expect(page).to_have_url(f"{live_server.url}/meldingen/{queued.reference}/")
    expect(page.get_by_test_id("case-state")).to_have_text("In onderzoek")
    expect(page.get_by_test_id("bundle-lead")).to_contain_text("leidende melding")
    detach = page.locator('form[data-action="bundle_detach"]')
    expect(detach.get_by_role("button", name="Afzonderlijk behandelen")).to_be_visible()
    for action in ("call", "call_attempt", "agreement_add", "close"):
        expect(page.locator(f'[data-action="{action}"]')).to_have_count(0)
    check_accessibility(page, "bundle-attached-before-call")
    page.set_viewport_size({"width": 390, "height": 900})
    assert_no_horizontal_scroll(page, "bundle-attached-before-call-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    # Detached and attached again: the button works, and the lead offers the case again.
    detach.get_by_role("button", name="Afzonderlijk behandelen").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Melding {queued.reference} wordt weer afzonderlijk behandeld."
    )
    expect(page.get_by_test_id("bundle-lead")).to_have_count(0)
    assert Case.objects.get(pk=queued.pk).bundle_lead_id is None
    page.goto(lead_url)
    expect(page.get_by_test_id("bundled-case")).to_have_count(2)
    attach = open_action(page, "bundle_attach")
    expect(attach.get_by_role("checkbox")).to_have_count(1)
    attach.get_by_role("checkbox", name=re.compile(rf"^{queued.reference},")).check()
    attach.get_by_role("button", name="Samen behandelen").click()
    expect(page.get_by_test_id("bundled-case")).to_have_count(3)

    # ONE reached call, on the lead.
    call = open_action(page, "call")
    call.get_by_label("Mevrouw", exact=True).check()
    call.get_by_label("Voorletters of voornaam").fill("H.")
    call.get_by_label("Tussenvoegsel").fill("van")
    call.get_by_label("Achternaam").fill("Dam")
    call.get_by_label(re.compile("strikt noodzakelijk")).check()
    call.get_by_label("Herkent zich gedeeltelijk in de melding").check()
    call.get_by_label("Getoonde maatregelen").fill("Thuiswerkrooster per team")
    call.get_by_role("button").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Werkgever gebeld")
    expect(page.get_by_test_id("bundled-case").first).to_contain_text("Werkgever gebeld")

    add = open_action(page, "agreement_add")
    add.get_by_label("Afspraak").fill("Alle planners mogen twee dagen per week thuiswerken")
    add.get_by_label("Uiterlijk").fill((timezone.localdate() + dt.timedelta(days=21)).isoformat())
    add.get_by_role("button").click()
    expect(page.get_by_test_id("agreement")).to_have_count(1)

    page.get_by_role("button", name="Afspraken bevestigen en brief versturen").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Afspraken per brief bevestigd")
    expect(page.get_by_test_id("letter")).to_have_count(1)
    with page.expect_download() as download_info:
        page.locator('a[data-action="letter_download"]').click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    (ARTIFACTS / "bundle-letter.pdf").write_bytes(pdf)
    sent = open_action(page, "letter_mark_sent")
    sent.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_test_id("letter")).to_contain_text("(per post)")

    status = open_action(page, "agreement_status")
    status.get_by_label("Nagekomen", exact=True).check()
    status.get_by_role("button").click()
    expect(page.get_by_test_id("agreement").locator("td").nth(2)).to_have_text("Nagekomen")
    close = open_action(page, "close")
    close.get_by_label("Afspraken nagekomen").check()
    close.get_by_role("button").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Afgesloten")
    expect(page.get_by_test_id("case-outcome")).to_contain_text("Afspraken nagekomen")
    expect(
        page.get_by_test_id("bundled-case").filter(has_text="Afspraken nagekomen")
    ).to_have_count(3)
    check_accessibility(page, "bundle-lead-closed")

    # Every attached case shows the lead, the shared letter (sent) and the same outcome.
    for member in members:
        page.goto(f"{live_server.url}/meldingen/{member.reference}/")
        expect(page.get_by_test_id("case-state")).to_have_text("Afgesloten")
        expect(page.get_by_test_id("case-outcome")).to_contain_text("Afspraken nagekomen")
        expect(page.get_by_test_id("bundle-lead").get_by_role("link")).to_have_text(lead.reference)
        shared = page.get_by_test_id("shared-letter")
        expect(shared).to_have_count(1)
        expect(shared).to_contain_text(f"{lead.reference}, versie 1")
        expect(shared).to_contain_text("(per post)")
        expect(shared.get_by_role("link", name="Brief downloaden")).to_be_visible()
        expect(page.get_by_test_id("letter")).to_have_count(0)
    check_accessibility(page, "bundle-attached-closed")

    # The database: four closed cases, each with its own chain of transition Events.
    for case in everyone:
        now = Case.objects.get(pk=case.pk)
        assert (now.state, now.outcome) == (CL, Outcome.AFSPRAKEN_NAGEKOMEN), case.reference
        chain = moves(case)
        assert [(f, t) for _kind, f, t in chain] == [(R, UI), (UI, EC), (EC, AC), (AC, CL)]
        assert [kind for kind, _f, _t in chain[1:]] == [
            EventKind.RECORD_CALL,
            EventKind.CONFIRM_AGREEMENTS,
            EventKind.CLOSE,
        ], case.reference
    assert moves(lead)[0][0] == EventKind.TAKE_INTO_INVESTIGATION
    for member in members:
        events = Event.objects.filter(case=member)
        attached = events.filter(kind=EventKind.BUNDLE_ATTACHED)
        assert attached.count() == (2 if member == queued else 1), member.reference
        assert {e.data["bundle_lead"] for e in attached} == {lead.reference}
        detached = events.filter(kind=EventKind.BUNDLE_DETACHED)
        assert detached.count() == (1 if member == queued else 0), member.reference
        for kind in (EventKind.RECORD_CALL, EventKind.CONFIRM_AGREEMENTS, EventKind.CLOSE):
            assert events.get(kind=kind).data["bundle_lead"] == lead.reference
    # The received ones moved into investigation by being attached; the other already was.
    assert moves(queued)[0][0] == moves(received)[0][0] == EventKind.BUNDLE_ATTACHED
    assert moves(investigated)[0][0] == EventKind.TAKE_INTO_INVESTIGATION
    # One call, copied on each attached case; one letter, covering them.
    (lead_call,) = Call.objects.filter(case=lead)
    for member in members:
        (copy,) = Call.objects.filter(case=member)
        assert copy.shared_call_id == lead_call.pk and copy.reached
    (letter,) = Letter.objects.all()
    assert letter.case_id == lead.pk and letter.sent_at is not None
    covered = set(LetterCase.objects.filter(letter=letter).values_list("case_id", flat=True))
    assert covered == {m.pk for m in members}

    # The dashboard: four received, four taken into investigation.
    today = timezone.localdate()
    period = (
        f"received_after={(today - dt.timedelta(days=14)).isoformat()}"
        f"&received_before={today.isoformat()}"
    )
    figures = figures_for(period)
    assert (figures.counts.received, figures.counts.investigated) == (4, 4)
    page.get_by_role("button", name="Uitloggen").click()
    login(page, live_server, supervisor.username)
    page.goto(f"{live_server.url}/dashboard/?{period}")
    expect(page.get_by_test_id("count-received")).to_have_text("4")
    expect(page.get_by_test_id("count-investigated")).to_have_text("4")

    assert_letter_is_about_the_employer_only(pdf, lead, members)


def assert_letter_is_about_the_employer_only(pdf: bytes, lead: Case, members: list[Case]) -> None:
    """No melder data of any of the four meldingen, no reference but the lead's, and nothing
    that tells the employer how many meldingen the letter covers."""
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split()).lower()
    # Words the typesetter broke at the end of a line ("thuis- werken"), joined again.
    joined = re.sub(r"(?<=\w)- (?=\w)", "", flat)
    assert "drukkerij zeefdruk noord" in flat  # the text was really extracted
    assert f"ons kenmerk {lead.reference.lower()}" in flat
    digits = re.sub(r"\D", "", flat)
    for words in (flat, joined):
        for melder in MELDERS:
            for part in melder.name.lower().split():
                assert part not in words, part
            assert melder.email.split("@")[0] not in words, melder.email
            assert melder.email.split("@")[1] not in words, melder.email
        for description, word in zip(DESCRIPTIONS, DESCRIPTION_WORDS, strict=True):
            assert word.lower() not in words, word
            assert description.lower()[:30] not in words, description
        assert set(re.findall(r"tw-[\d-]+", words)) == {lead.reference.lower()}
        for member in members:
            assert member.reference.lower() not in words
        # Not how many: no "4 meldingen", "vier", "drie andere meldingen", nor any plural.
        assert not re.search(r"\b(?:vier|drie)\b", words)
        assert not re.search(r"\b[2-4]\s+(?:\w+\s+)?meldingen?\b", words)
        assert "meldingen" not in words
    for melder in MELDERS:
        assert melder.phone not in digits, melder.phone
