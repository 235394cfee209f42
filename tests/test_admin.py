"""The Django admin (/beheer/) for supervisors and the Functioneel beheerder: no deletes,
history read-only, no way around the workflow, melder data only for those who may see it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases import rollups, services
from cases.models import (
    Case,
    Employer,
    Event,
    EventKind,
    Outcome,
    Role,
    Sector,
    State,
    Topic,
)
from cases.services import MelderInput
from tests.factories import make_user
from tests.helpers import case_in_state, fresh

pytestmark = pytest.mark.django_db

MELDER = MelderInput(
    name="Xandriëlle Quibbelstein",
    email="x.quibbelstein@geheim-melder.example",
    phone="0687654321",
    relation="Medewerker afdeling Vlinderkunde",
)
DESCRIPTION = "Geheime omschrijving: de Zebrakwekerij verplicht iedereen op kantoor te komen."
SECRETS = [MELDER.name, MELDER.email, MELDER.phone, MELDER.relation, "Zebrakwekerij"]


@pytest.fixture
def staff_supervisor(db: None) -> User:
    return make_user(Role.TEAMLEIDER, username="teamleider_beheer", is_staff=True)


@pytest.fixture
def case(inspector: User) -> Case:
    return case_in_state(
        State.UNDER_INVESTIGATION, inspector=inspector, melder=MELDER, description=DESCRIPTION
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_url(model: Any, view: str, *args: Any) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def management_data(response: Any) -> dict[str, Any]:
    """The inline formsets' management forms, as the change page renders them."""
    data: dict[str, Any] = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
    return data


def html(response: Any) -> str:
    return response.content.decode()


# ---------------------------------------------------------------------------
# Pages load


@pytest.mark.parametrize("who", ["staff_supervisor", "functional_admin"])
def test_admin_pages_load(
    who: str, request: pytest.FixtureRequest, case: Case, inspector: User
) -> None:
    client = client_for(request.getfixturevalue(who))
    event = Event.objects.filter(case=case).first()
    urls = [
        reverse("admin:index"),
        admin_url(Case, "changelist"),
        admin_url(Case, "change", case.pk),
        admin_url(Event, "changelist"),
        admin_url(Event, "change", event.pk),
        admin_url(Employer, "change", case.employer_id),
        admin_url(Topic, "changelist"),
        admin_url(Sector, "change", "A"),
    ]
    if who == "functional_admin":
        urls += [admin_url(User, "changelist"), admin_url(User, "change", inspector.pk)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def test_non_staff_users_have_no_admin(inspector: User, supervisor: User) -> None:
    for user in (inspector, supervisor):
        response = client_for(user).get(reverse("admin:index"))
        assert response.status_code == 302
        assert "/login/" in response["Location"]


# ---------------------------------------------------------------------------
# Nothing can be deleted


@pytest.mark.parametrize("who", ["staff_supervisor", "functional_admin"])
def test_no_deletes(who: str, request: pytest.FixtureRequest, case: Case, inspector: User) -> None:
    client = client_for(request.getfixturevalue(who))
    event = Event.objects.filter(case=case).first()
    targets = [
        (Case, case.pk),
        (Event, event.pk),
        (User, inspector.pk),
        (Employer, case.employer_id),
        (Topic, Topic.objects.get(code="overig").pk),
    ]
    for model, pk in targets:
        assert client.get(admin_url(model, "delete", pk)).status_code == 403, model
        assert client.post(admin_url(model, "delete", pk), {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=pk).exists()
    for model in (Case, Event, User, Employer, Topic):
        response = client.get(admin_url(model, "changelist"))
        if response.status_code == 200:
            assert "delete_selected" not in html(response), model
    # The bulk action cannot be posted either.
    response = client.post(
        admin_url(Case, "changelist"),
        {"action": "delete_selected", "_selected_action": [case.pk], "post": "yes"},
    )
    assert Case.objects.filter(pk=case.pk).exists()
    assert response.status_code in (200, 302)


# ---------------------------------------------------------------------------
# Events and state are read-only


@pytest.mark.parametrize("who", ["staff_supervisor", "functional_admin"])
def test_event_admin_is_read_only(who: str, request: pytest.FixtureRequest, case: Case) -> None:
    client = client_for(request.getfixturevalue(who))
    event = Event.objects.filter(case=case, kind=EventKind.INTAKE).get()
    before = Event.objects.filter(pk=event.pk).values().get()
    count = Event.objects.count()
    page = client.get(admin_url(Event, "change", event.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in html(page)
    response = client.post(
        admin_url(Event, "change", event.pk),
        {"kind": EventKind.CLOSE, "from_state": "", "to_state": State.CLOSED, "data": "{}"},
    )
    assert response.status_code == 403
    assert client.get(admin_url(Event, "add")).status_code == 403
    assert Event.objects.filter(pk=event.pk).values().get() == before
    assert Event.objects.count() == count


def _case_post(client: Client, case: Case, **changes: Any) -> Any:
    url = admin_url(Case, "change", case.pk)
    page = client.get(url)
    assert page.status_code == 200
    data: dict[str, Any] = {
        "channel": case.channel,
        "topics": list(case.topics.values_list("pk", flat=True)),
        "seen_version": case.version,
        **management_data(page),
        "_save": "Opslaan",
    }
    data.update(changes)
    return client.post(url, data)


def test_case_state_cannot_be_changed_in_admin(staff_supervisor: User, case: Case) -> None:
    client = client_for(staff_supervisor)
    before = Case.objects.filter(pk=case.pk).values().get()
    events = Event.objects.exclude(kind=EventKind.MELDER_VIEWED).count()
    response = _case_post(
        client,
        case,
        state=State.CLOSED,
        outcome=Outcome.INGETROKKEN,
        version=99,
        reference="TW-2020-99999",
        investigated_at="",
        assignee=staff_supervisor.pk,
    )
    assert response.status_code == 302
    assert Case.objects.filter(pk=case.pk).values().get() == before
    assert Event.objects.exclude(kind=EventKind.MELDER_VIEWED).count() == events


def test_case_admin_has_no_add(staff_supervisor: User, functional_admin: User) -> None:
    for user in (staff_supervisor, functional_admin):
        assert client_for(user).get(admin_url(Case, "add")).status_code == 403


def test_editing_topics_goes_through_the_service(staff_supervisor: User, case: Case) -> None:
    client = client_for(staff_supervisor)
    werkdruk = Topic.objects.get(code="werkdruk")
    response = _case_post(
        client, case, topics=[werkdruk.pk, *case.topics.values_list("pk", flat=True)]
    )
    assert response.status_code == 302
    after = fresh(case)
    assert sorted(after.topics.values_list("code", flat=True)) == [
        "niet_mogen_thuiswerken",
        "werkdruk",
    ]
    assert after.version == case.version + 1
    event = Event.objects.filter(case=case, kind=EventKind.CASE_EDITED).get()
    assert event.actor_id == staff_supervisor.pk
    assert event.data == {"topics": ["niet_mogen_thuiswerken", "werkdruk"], "fields": ["topics"]}


def test_stale_admin_page_is_refused(staff_supervisor: User, case: Case) -> None:
    client = client_for(staff_supervisor)
    werkdruk = Topic.objects.get(code="werkdruk")
    stale_version = case.version
    services.case_update_details(
        case=case, actor=staff_supervisor, version=case.version, channel="brief"
    )
    before = Case.objects.filter(pk=case.pk).values().get()
    response = _case_post(client, case, topics=[werkdruk.pk], seen_version=stale_version)
    assert response.status_code == 302
    assert Case.objects.filter(pk=case.pk).values().get() == before
    assert "intussen gewijzigd" in html(client.get(response["Location"]))


def test_invalid_topics_in_admin_change_nothing(staff_supervisor: User, case: Case) -> None:
    client = client_for(staff_supervisor)
    before = Case.objects.filter(pk=case.pk).values().get()
    response = _case_post(client, case, topics=[])
    assert response.status_code == 200  # the form is shown again with the error
    assert Case.objects.filter(pk=case.pk).values().get() == before
    assert not Event.objects.filter(case=case, kind=EventKind.CASE_EDITED).exists()


def test_functional_admin_cannot_edit_cases(functional_admin: User, case: Case) -> None:
    client = client_for(functional_admin)
    page = client.get(admin_url(Case, "change", case.pk))
    assert 'name="_save"' not in html(page)
    before = Case.objects.filter(pk=case.pk).values().get()
    response = client.post(
        admin_url(Case, "change", case.pk),
        {"channel": "brief", "topics": [Topic.objects.get(code="overig").pk]},
    )
    assert response.status_code == 403
    assert Case.objects.filter(pk=case.pk).values().get() == before


# ---------------------------------------------------------------------------
# Melder data


def test_supervisor_sees_melder_and_description_and_it_is_logged(
    staff_supervisor: User, case: Case
) -> None:
    client = client_for(staff_supervisor)
    response = client.get(admin_url(Case, "change", case.pk))
    assert response.status_code == 200
    content = html(response)
    for secret in SECRETS:
        assert secret in content, secret
    views = Event.objects.filter(case=case, kind=EventKind.MELDER_VIEWED)
    assert views.count() == 1
    assert views.get().actor_id == staff_supervisor.pk


def test_functional_admin_does_not_see_melder_or_description(
    functional_admin: User, case: Case
) -> None:
    client = client_for(functional_admin)
    pages = [
        client.get(admin_url(Case, "change", case.pk)),
        client.get(admin_url(Case, "changelist")),
        client.get(admin_url(Case, "history", case.pk)),
        *[client.get(admin_url(Event, "change", e.pk)) for e in Event.objects.filter(case=case)],
    ]
    for response in pages:
        assert response.status_code == 200
        content = html(response)
        for secret in SECRETS:
            assert secret not in content, secret
    assert case.reference in html(pages[0])  # the page did show the case
    assert not Event.objects.filter(case=case, kind=EventKind.MELDER_VIEWED).exists()


def test_case_search_does_not_reveal_melder_or_description(
    functional_admin: User, case: Case
) -> None:
    client = client_for(functional_admin)
    assert case.reference in html(client.get(admin_url(Case, "changelist"), {"q": case.reference}))
    for probe in ("Quibbelstein", "Zebrakwekerij", "geheim-melder"):
        response = client.get(admin_url(Case, "changelist"), {"q": probe})
        assert response.status_code == 200
        assert case.reference not in html(response), probe


# ---------------------------------------------------------------------------
# Users and roles


def test_changing_groups_writes_role_changed_event(
    functional_admin: User, no_role_user: User
) -> None:
    client = client_for(functional_admin)
    url = admin_url(User, "change", no_role_user.pk)
    page = client.get(url)
    assert page.status_code == 200
    inspecteur = Group.objects.get(name=Role.INSPECTEUR)
    data = {
        "username": no_role_user.username,
        "first_name": no_role_user.first_name,
        "last_name": no_role_user.last_name,
        "email": no_role_user.email,
        "is_active": "on",
        "groups": [inspecteur.pk],
        **management_data(page),
        "_save": "Opslaan",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(no_role_user.groups.values_list("name", flat=True)) == [Role.INSPECTEUR]
    event = Event.objects.filter(kind=EventKind.ROLE_CHANGED).get()
    assert event.actor_id == functional_admin.pk
    assert event.case_id is None
    assert event.data == {
        "user_id": no_role_user.pk,
        "username": no_role_user.username,
        "groups_added": [Role.INSPECTEUR],
        "groups_removed": [],
    }
    # Removing the role again is an Event too; saving without changes is not.
    data["groups"] = []
    client.post(url, data)
    assert Event.objects.filter(kind=EventKind.ROLE_CHANGED).count() == 2
    assert Event.objects.filter(kind=EventKind.ROLE_CHANGED).last().data["groups_removed"] == [
        Role.INSPECTEUR
    ]
    client.post(url, data)
    assert Event.objects.filter(kind=EventKind.ROLE_CHANGED).count() == 2


def test_functional_admin_cannot_make_superusers(
    functional_admin: User, no_role_user: User
) -> None:
    client = client_for(functional_admin)
    url = admin_url(User, "change", no_role_user.pk)
    page = client.get(url)
    data = {
        "username": no_role_user.username,
        "is_active": "on",
        "is_superuser": "on",
        **management_data(page),
    }
    client.post(url, data)
    assert not User.objects.get(pk=no_role_user.pk).is_superuser


def test_deactivating_a_user_is_an_event(functional_admin: User, no_role_user: User) -> None:
    client = client_for(functional_admin)
    url = admin_url(User, "change", no_role_user.pk)
    page = client.get(url)
    response = client.post(
        url, {"username": no_role_user.username, **management_data(page), "_save": "Opslaan"}
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=no_role_user.pk).is_active
    event = Event.objects.filter(kind=EventKind.USER_CHANGED).get()
    assert "is_active" in event.data["fields"]


def test_recorded_figures_are_read_only_in_the_admin(staff_supervisor: User) -> None:
    from cases.models import FigureSnapshot

    snapshot = FigureSnapshot.objects.create(
        created_at=timezone.now(),
        created_by=staff_supervisor,
        received=3,
        investigated=2,
        only_not_allowed=1,
        paragraph="Sinds ...",
        figures={},
    )
    client = client_for(staff_supervisor)
    assert client.get(admin_url(FigureSnapshot, "changelist")).status_code == 200
    assert client.get(admin_url(FigureSnapshot, "add")).status_code == 403
    page = client.get(admin_url(FigureSnapshot, "change", snapshot.pk))
    assert page.status_code == 200 and 'name="_save"' not in html(page)
    assert (
        client.post(admin_url(FigureSnapshot, "delete", snapshot.pk), {"post": "yes"}).status_code
        == 403
    )
    assert FigureSnapshot.objects.filter(pk=snapshot.pk, received=3).exists()


def test_changing_an_employers_sector_moves_its_cases(functional_admin: User, case: Case) -> None:
    """Through services.employer_save: the cases' copy of the sector and the day counts
    follow in the same transaction, and the change is an Event."""
    client = client_for(functional_admin)
    url = admin_url(Employer, "change", case.employer_id)
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["sector"] = "Q"
    response = client.post(url, {**data, "_save": "Opslaan"})
    assert response.status_code == 302, html(response)[:3000]
    assert fresh(case).sector_code == "Q"
    assert rollups.day_count_drift() == []
    event = Event.objects.get(kind=EventKind.EMPLOYER_EDITED)
    assert event.data == {"employer_id": case.employer_id, "fields": ["sector"]}


# ---------------------------------------------------------------------------
# Role separation: passwords set here, roles granted here, two-factor resets


def test_setting_someones_password_is_an_event_and_must_be_changed(
    functional_admin: User, supervisor: User
) -> None:
    from cases.services import accounts

    client = client_for(functional_admin)
    url = reverse("admin:auth_user_password_change", args=[supervisor.pk])
    response = client.post(
        url, {"password1": "Gezet-door-beheer-2031", "password2": "Gezet-door-beheer-2031"}
    )
    assert response.status_code == 302
    event = Event.objects.get(kind=EventKind.PASSWORD_SET)
    assert event.actor_id == functional_admin.pk
    assert event.data == {"user_id": supervisor.pk, "username": supervisor.username}
    assert accounts.must_change_password(supervisor)


def test_granting_the_teamleider_role_in_the_admin_is_shown_to_the_team_leaders(
    functional_admin: User, no_role_user: User, supervisor: User
) -> None:
    from cases.models import RoleGrant

    client = client_for(functional_admin)
    url = admin_url(User, "change", no_role_user.pk)
    page = client.get(url)
    data = {
        "username": no_role_user.username,
        "is_active": "on",
        "groups": [Group.objects.get(name=Role.TEAMLEIDER).pk],
        **management_data(page),
        "_save": "Opslaan",
    }
    assert client.post(url, data).status_code == 302
    grant = RoleGrant.objects.get()
    assert (grant.user_id, grant.role, grant.granted_by_id) == (
        no_role_user.pk,
        Role.TEAMLEIDER,
        functional_admin.pk,
    )
    home = client_for(supervisor).get(reverse("home")).content.decode()
    assert 'data-testid="role-grant"' in home


def test_the_functional_admin_cannot_give_themselves_a_role(functional_admin: User) -> None:
    client = client_for(functional_admin)
    url = admin_url(User, "change", functional_admin.pk)
    page = client.get(url)
    client.post(
        url,
        {
            "username": functional_admin.username,
            "is_active": "on",
            "groups": [Group.objects.get(name=Role.TEAMLEIDER).pk],
            **management_data(page),
            "_save": "Opslaan",
        },
    )
    assert list(functional_admin.groups.values_list("name", flat=True)) == [
        Role.FUNCTIONEEL_BEHEERDER
    ]


def test_reset_two_factor_from_the_user_list(functional_admin: User, inspector: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=inspector, name="app", confirmed=True)
    client = client_for(functional_admin)
    response = client.post(
        admin_url(User, "changelist"),
        {"action": "reset_two_factor", "_selected_action": [inspector.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=inspector).exists()
    assert Event.objects.filter(kind=EventKind.TWO_FACTOR_RESET).count() == 1


def test_employer_contact_is_edited_in_its_fields_without_a_form_of_address_in_a_name(
    functional_admin: User, case: Case
) -> None:
    """A form of address typed into a name is refused with a Dutch message; in its own
    field it is stored, and the case page shows the person as a letter would name them."""
    client = client_for(functional_admin)
    url = admin_url(Employer, "change", case.employer_id)
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    refused = client.post(url, {**data, "contact_surname": "de heer Jansen", "_save": "Opslaan"})
    assert refused.status_code == 200
    assert escape("Kies ‘de heer’ of ‘mevrouw’ bij aanspreekvorm, niet in de naam.") in html(
        refused
    )
    assert Employer.objects.get(pk=case.employer_id).contact_surname == "Vries"
    changed = {
        **data,
        "contact_form_of_address": "mevrouw",
        "contact_title": "drs.",
        "contact_initials": "A.",
        "contact_tussenvoegsel": "van",
        "contact_surname": "Dijk",
        "_save": "Opslaan",
    }
    assert client.post(url, changed).status_code == 302
    assert Employer.objects.get(pk=case.employer_id).contact_name == "mevrouw drs. A. van Dijk"
