"""The case page: what each role sees, which actions it offers, and the actions themselves."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases import services
from cases.models import Agreement, Case, Event, EventKind, State
from cases.services import EmployerInput, MelderInput
from tests.helpers import case_in_state, contact_fields, fresh, intake, record_reached_call

SECRET = MelderInput(name="Zaïd Geheimhouder", email="zaid.geheim@mail.example", phone="0687654321")
TEXT = "Vertrouwelijk verhaal over de afdeling inkoop"


def page(client: Any, case: Case) -> Any:
    return client.get(reverse("case_detail", args=[case.reference]))


def act(client: Any, case: Case, action: str, **data: Any) -> Any:
    data.setdefault("version", fresh(case).version)
    return client.post(reverse("case_action", args=[case.reference, action]), data)


def actions_on(html: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', html))


# ---------------------------------------------------------------------------
# Who sees what


def test_assigned_inspector_sees_melder_and_each_view_is_an_event(client, inspector) -> None:
    case = case_in_state(
        State.UNDER_INVESTIGATION, inspector=inspector, melder=SECRET, description=TEXT
    )
    client.force_login(inspector)
    html = page(client, case).content.decode()
    for secret in (SECRET.name, SECRET.email, SECRET.phone, TEXT):
        assert secret in html
    page(client, case)
    views = Event.objects.filter(case=case, kind=EventKind.MELDER_VIEWED)
    assert views.count() == 2
    assert set(views.values_list("actor", flat=True)) == {inspector.pk}


def test_supervisor_sees_melder_data(client, inspector, supervisor) -> None:
    case = case_in_state(State.RECEIVED, inspector=inspector, melder=SECRET, description=TEXT)
    client.force_login(supervisor)
    html = page(client, case).content.decode()
    assert SECRET.email in html and TEXT in html
    assert Event.objects.filter(case=case, kind=EventKind.MELDER_VIEWED, actor=supervisor).exists()


def test_another_inspector_gets_404_without_any_melder_data(client, inspector, other_inspector):
    case = case_in_state(
        State.UNDER_INVESTIGATION, inspector=inspector, melder=SECRET, description=TEXT
    )
    client.force_login(other_inspector)
    response = page(client, case)
    assert response.status_code == 404
    html = response.content.decode()
    for secret in (SECRET.name, SECRET.email, TEXT, case.employer.name):
        assert secret not in html
    assert not Event.objects.filter(kind=EventKind.MELDER_VIEWED).exists()


def test_intake_queue_case_shows_no_melder_data_to_an_inspector(client, inspector, supervisor):
    case = intake(supervisor, melder=SECRET, description=TEXT)
    client.force_login(inspector)
    response = page(client, case)
    assert response.status_code == 200
    html = response.content.decode()
    for secret in (SECRET.name, SECRET.email, SECRET.phone, TEXT):
        assert secret not in html
    assert 'data-testid="melder"' not in html
    assert actions_on(html) == {"take"}
    assert not Event.objects.filter(kind=EventKind.MELDER_VIEWED).exists()


@pytest.mark.parametrize("role", ["functional_admin", "no_role_user"])
def test_users_without_a_case_role_get_403(client, inspector, request, role) -> None:
    case = case_in_state(State.RECEIVED, inspector=inspector, melder=SECRET)
    client.force_login(request.getfixturevalue(role))
    response = page(client, case)
    assert response.status_code == 403
    assert SECRET.name not in response.content.decode()


def test_html_in_texts_is_escaped(client, inspector) -> None:
    case = case_in_state(
        State.UNDER_INVESTIGATION, inspector=inspector, description="<script>alert(1)</script>"
    )
    client.force_login(inspector)
    html = page(client, case).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ---------------------------------------------------------------------------
# Which actions are offered


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (State.RECEIVED, {"take_into_investigation", "decline", "assign"}),
        (State.UNDER_INVESTIGATION, {"call_attempt", "call", "close", "assign"}),
        (
            State.EMPLOYER_CALLED,
            {"call_attempt", "call", "call_edit", "close", "assign", "agreement_add"}
            | {
                "agreement_edit",
                "letter_preview",
                "letter_confirm",
            },  # the letter actions share the action route
        ),
        (
            State.AGREEMENTS_CONFIRMED,
            {"close", "assign", "agreement_status"}
            | {"letter_preview", "letter_download", "letter_mark_sent", "letter_regenerate"},
        ),
        (State.CLOSED, {"reopen"}),
    ],
)
def test_supervisor_buttons_follow_the_state(client, inspector, supervisor, state, expected):
    case = case_in_state(state, inspector=inspector)
    if state == State.EMPLOYER_CALLED:
        services.agreement_add(
            case=case,
            actor=inspector,
            version=case.version,
            description="Thuiswerkbeleid opstellen",
            due_date=timezone.localdate() + dt.timedelta(days=7),
        )
    client.force_login(supervisor)
    assert actions_on(page(client, case).content.decode()) == expected


def test_inspector_cannot_reopen_or_assign(client, inspector) -> None:
    closed = case_in_state(State.CLOSED, inspector=inspector)
    client.force_login(inspector)
    assert actions_on(page(client, closed).content.decode()) == set()
    response = act(client, closed, "reopen", reason="Graag opnieuw")
    assert response.status_code == 200
    assert "Alleen een teamleider mag een melding heropenen." in response.content.decode()
    assert fresh(closed).state == State.CLOSED


def test_unidentified_employer_must_be_identified_before_calling(client, inspector) -> None:
    case = intake(inspector, reported_employer=EmployerInput(name="Onbekend Bureau", city="Zwolle"))
    services.case_take(case=case, actor=inspector, version=case.version)
    services.case_take_into_investigation(case=case, actor=inspector, version=fresh(case).version)
    client.force_login(inspector)
    html = page(client, case).content.decode()
    assert "identify_employer" in actions_on(html)
    assert "call" not in actions_on(html)
    response = act(
        client,
        case,
        "identify_employer",
        kvk_number="87654321",
        employer_name="Onbekend Bureau B.V.",
        visit_postcode="8011aa",
        visit_city="Zwolle",
    )
    assert response.status_code == 302
    employer = fresh(case).employer
    assert (employer.kvk_number, employer.visit_postcode) == ("87654321", "8011 AA")
    assert "call" in actions_on(page(client, case).content.decode())


# ---------------------------------------------------------------------------
# Actions


def test_the_whole_path_through_the_case_page(client, inspector, supervisor) -> None:
    case = case_in_state(State.RECEIVED, inspector=inspector)
    client.force_login(inspector)
    assert act(client, case, "take_into_investigation").status_code == 302
    assert fresh(case).state == State.UNDER_INVESTIGATION
    now = timezone.localtime() - dt.timedelta(hours=2)
    assert (
        act(
            client,
            case,
            "call_attempt",
            called_date=now.date().isoformat(),
            called_time=now.strftime("%H:%M"),
        ).status_code
        == 302
    )
    response = act(
        client,
        case,
        "call",
        called_date=now.date().isoformat(),
        called_time=(now + dt.timedelta(hours=1)).strftime("%H:%M"),
        **contact_fields("mevrouw P. de Boer"),
        criteria=["fysieke_aanwezigheid", "thuiswerkplek_ongeschikt"],
        employer_response="gedeeltelijk",
        measures="Rooster getoond",
    )
    assert response.status_code == 302
    assert fresh(case).state == State.EMPLOYER_CALLED
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    act(client, case, "agreement_add", description="Iedereen werkt thuis", due_date=due)
    agreement = Agreement.objects.get(case=case)
    act(
        client,
        case,
        "agreement_edit",
        agreement=agreement.pk,
        description="Iedereen met kantoorwerk werkt thuis",
        due_date=due,
    )
    assert Agreement.objects.get(pk=agreement.pk).description.startswith("Iedereen met")
    response = act(
        client, case, "letter_confirm", next=reverse("case_detail", args=[case.reference])
    )
    assert response.status_code == 302
    assert fresh(case).state == State.AGREEMENTS_CONFIRMED
    html = page(client, case).content.decode()
    assert 'data-testid="letter"' in html
    checked = r'name="status" value="{}"[^>]*checked'
    assert re.search(checked.format("open"), page(client, case).content.decode())
    act(client, case, "agreement_status", agreement=agreement.pk, status="nagekomen")
    html = page(client, case).content.decode()
    assert re.search(checked.format("nagekomen"), html)
    assert not re.search(checked.format("open"), html)
    act(client, case, "close", outcome="afspraken_nagekomen")
    assert (fresh(case).state, fresh(case).outcome) == (State.CLOSED, "afspraken_nagekomen")
    client.force_login(supervisor)
    act(client, case, "reopen", reason="Nieuwe melding over dezelfde afdeling")
    assert fresh(case).state == State.UNDER_INVESTIGATION
    timeline = page(client, case).content.decode()
    assert (
        timeline.count('data-testid="event"')
        == Event.objects.filter(case=case).exclude(kind=EventKind.MELDER_VIEWED).count()
    )


def test_decline_as_duplicate_needs_a_main_case_and_keeps_the_input(client, inspector) -> None:
    main = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    case = case_in_state(State.RECEIVED, inspector=inspector)
    client.force_login(inspector)
    response = act(client, case, "decline", outcome="dubbele_melding", main_case="")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Geef bij een dubbele melding de hoofdmelding op." in html
    assert re.search(r'value="dubbele_melding"[^>]*checked', html)
    response = act(client, case, "decline", outcome="dubbele_melding", main_case="TW-1999-00001")
    assert fresh(case).state == State.RECEIVED
    response = act(
        client, case, "decline", outcome="dubbele_melding", main_case=main.reference.lower()
    )
    assert response.status_code == 302
    assert fresh(case).main_case == main


def test_main_case_is_looked_up_among_the_cases_the_user_may_see(
    client, inspector, other_inspector
) -> None:
    theirs = case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector)
    case = case_in_state(State.RECEIVED, inspector=inspector)
    client.force_login(inspector)
    response = act(client, case, "decline", outcome="dubbele_melding", main_case=theirs.reference)
    assert response.status_code == 200
    assert "Er is geen melding met dit kenmerk." in response.content.decode()
    assert fresh(case).state == State.RECEIVED and fresh(case).main_case is None


def test_call_errors_are_shown_per_field(client, inspector) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    client.force_login(inspector)
    response = act(client, case, "call", contact_surname="", notes="Notitie die blijft staan")
    html = response.content.decode()
    assert "Kruis ten minste één besproken criterium aan." in html
    assert "Kies de reactie van de werkgever." in html
    assert "Vul de achternaam in van de persoon met wie u sprak." in html
    assert "Notitie die blijft staan" in html
    assert fresh(case).state == State.UNDER_INVESTIGATION


def test_stale_page_is_refused_and_shows_what_changed(client, inspector, supervisor) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    client.force_login(inspector)
    seen_version = fresh(case).version
    seen_at = timezone.now().isoformat()
    record_reached_call(case, supervisor)  # someone else, meanwhile
    response = act(
        client,
        case,
        "call",
        version=seen_version,
        seen_at=seen_at,
        **contact_fields("de heer K. Jansen"),
        notes="Mijn getypte aantekening",
        criteria=["locatiegebonden_systemen"],
        employer_response="ja",
        called_date=timezone.localdate().isoformat(),
        called_time="08:00",
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "intussen gewijzigd" in html
    assert "Werkgever gebeld" in html  # the change made meanwhile
    assert escape(supervisor.get_full_name()) in html  # a name such as “van 't Erve”
    assert "Mijn getypte aantekening" in html
    assert 'value="Jansen"' in html and 'value="K."' in html  # the person typed, kept
    assert fresh(case).calls.count() == 1
    # The form shown again carries the current version: after checking, sending it works.
    assert f'name="version" value="{fresh(case).version}"' in html


def test_case_page_query_count_does_not_grow_with_history(client, inspector) -> None:
    counts = []
    for extra in (0, 8):
        case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
        for i in range(extra):
            services.agreement_add(
                case=case,
                actor=inspector,
                version=fresh(case).version,
                description=f"Afspraak {i}",
                due_date=timezone.localdate() + dt.timedelta(days=i + 1),
            )
            record_reached_call(case, inspector)
        client.force_login(inspector)
        from django.db import connection

        with CaptureQueriesContext(connection) as ctx:
            assert page(client, case).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------------------
# The next step, the timeline, and links only to what the user may open


def panel_of(html: str) -> str:
    """The actions panel (it comes first in the page)."""
    start = html.index('<aside class="case-actions"')
    return html[start : html.index("</aside>", start)]


def test_after_confirming_the_actions_panel_has_the_next_steps(client, inspector) -> None:
    case = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    client.force_login(inspector)
    html = page(client, case).content.decode()
    panel = panel_of(html)
    for action in ("letter_download", "letter_mark_sent", "agreement_status", "close"):
        assert f'data-action="{action}"' in panel, action
    assert "Afspraak 1: nagekomen?" in panel and "Versie 1 downloaden" in panel
    assert html.index('id="acties"') < html.index('id="kop-overzicht"')  # first in Tab order
    # Each form once on the page: moved to the panel, not repeated by the agreement.
    assert html.count('data-action="agreement_status"') == 1


def test_draft_letter_in_a_new_tab_or_as_a_download(client, inspector) -> None:
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    client.force_login(inspector)
    panel = panel_of(page(client, case).content.decode())
    url = reverse("letter_preview", args=[case.reference])
    assert f'<a href="{url}" target="_blank" rel="noopener">' in panel
    assert f'<a href="{url}?download=1">' in panel


def test_a_closed_case_says_who_may_still_reopen_it(client, inspector, supervisor) -> None:
    case = case_in_state(State.CLOSED, inspector=inspector)
    client.force_login(inspector)
    panel = panel_of(page(client, case).content.decode())
    assert "Deze melding is afgesloten op" in panel
    assert "Alleen een teamleider mag een melding heropenen." in panel
    client.force_login(supervisor)
    panel = panel_of(page(client, case).content.decode())
    assert 'data-action="reopen"' in panel and 'data-testid="others"' not in panel


def test_timeline_is_newest_first_and_names_the_agreement(client, inspector) -> None:
    case = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    agreement = fresh(case).agreements.get()
    services.agreement_set_status(
        case=case,
        actor=inspector,
        version=fresh(case).version,
        agreement=agreement,
        status="nagekomen",
    )
    client.force_login(inspector)
    html = page(client, case).content.decode()
    timeline = html[html.index('id="tijdlijn"') :]
    assert timeline.index("Status afspraak gewijzigd") < timeline.index("Melding geregistreerd")
    assert f"Afspraak 1: {agreement.description}" in timeline


def test_main_case_is_a_link_only_for_those_who_may_open_it(
    client, inspector, other_inspector, supervisor
) -> None:
    main = case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector)
    case = case_in_state(State.RECEIVED, inspector=inspector)
    services.case_decline(
        case=case,
        actor=supervisor,
        version=fresh(case).version,
        outcome="dubbele_melding",
        main_case=main,
    )
    client.force_login(inspector)
    html = page(client, case).content.decode()
    assert main.reference not in html
    assert "een melding die u niet kunt inzien" in html
    client.force_login(supervisor)
    html = page(client, case).content.decode()
    assert f'<a href="/meldingen/{main.reference}/">{main.reference}</a>' in html


def test_phone_and_email_are_links(client, inspector) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector, melder=SECRET)
    client.force_login(inspector)
    html = page(client, case).content.decode()
    assert f'href="mailto:{SECRET.email}"' in html and f'href="tel:{SECRET.phone}"' in html
    assert 'href="tel:0701234567"' in html and 'href="mailto:hr@werkgever.example"' in html


def test_refused_action_has_an_error_summary_linking_to_the_field(client, inspector) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    client.force_login(inspector)
    html = act(client, case, "call", contact_surname="").content.decode()
    assert "data-error-summary" in html
    assert re.search(r'<a href="#call-criteria_0">[^<]*Kruis ten minste', html)
    assert 'id="call-criteria_0"' in html  # the first checkbox of the group


# ---------------------------------------------------------------------------
# Two people taking the same case from the intake queue


@pytest.mark.parametrize("route", ["oppakken", "actie"])
def test_whoever_loses_the_race_to_take_a_case_is_told_who_took_it(
    client, inspector, other_inspector, supervisor, route
) -> None:
    case = intake(supervisor, melder=SECRET, description=TEXT)
    seen = fresh(case).version
    services.case_take(case=case, actor=other_inspector, version=seen)  # the winner
    client.force_login(inspector)
    url = (
        reverse("case_take", args=[case.reference])
        if route == "oppakken"
        else reverse("case_action", args=[case.reference, "take"])
    )
    response = client.post(url, {"version": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert "al opgepakt door" in html
    assert escape(other_inspector.get_full_name()) in html
    assert case.reference in html
    assert f'href="{reverse("intake_queue")}"' in html
    # Nothing else about the case.
    for secret in (SECRET.name, SECRET.email, TEXT, case.employer.name, "Niet mogen thuiswerken"):
        assert secret not in html
    assert fresh(case).assignee == other_inspector


def test_a_case_assigned_from_the_queue_counts_as_taken_too(
    client, inspector, other_inspector, supervisor
) -> None:
    case = intake(supervisor)
    services.case_assign(case=case, actor=supervisor, version=1, assignee=other_inspector)
    client.force_login(inspector)
    response = client.post(reverse("case_take", args=[case.reference]), {"version": 1})
    assert response.status_code == 409
    assert escape(other_inspector.get_full_name()) in response.content.decode()


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("take", {"version": 2}),  # not the version the case had in the queue
        ("take", {"version": "abc"}),
        ("take", {}),
        ("close", {"version": 1, "outcome": "ingetrokken"}),  # not a take
    ],
)
def test_other_posts_on_a_case_out_of_scope_stay_404(
    client, inspector, other_inspector, action, data
) -> None:
    case = case_in_state(State.RECEIVED, inspector=other_inspector)
    client.force_login(inspector)
    response = client.post(reverse("case_action", args=[case.reference, action]), data)
    assert response.status_code == 404
    assert escape(other_inspector.get_full_name()) not in response.content.decode()


def test_a_case_never_in_the_queue_is_not_confused_with_a_race(client, inspector) -> None:
    client.force_login(inspector)
    response = client.post(reverse("case_take", args=["TW-2021-99999"]), {"version": 1})
    assert response.status_code == 404


def test_a_name_with_an_apostrophe_is_shown_escaped(client, inspector) -> None:
    """The name that once made test_stale_page_is_refused_and_shows_what_changed fail at
    random: pages escape it (&#x27;), so tests compare escaped text."""
    from cases.models import Role
    from tests.factories import make_user

    leader = make_user(Role.TEAMLEIDER, first_name="Nick", last_name="van 't Erve")
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    seen_version, seen_at = fresh(case).version, timezone.now().isoformat()
    record_reached_call(case, leader)
    client.force_login(inspector)
    html = act(client, case, "call", version=seen_version, seen_at=seen_at).content.decode()
    assert "Nick van 't Erve" not in html
    assert escape("Nick van 't Erve") in html
