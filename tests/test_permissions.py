"""Who may see, act on and see the melder of which case; roles and reference data."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User

from cases import permissions
from cases.models import Case, Role, Sector, State, Topic
from cases.reference_data import SECTORS, TOPICS, ensure_reference_data
from tests.factories import make_user
from tests.helpers import case_in_state, intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(inspector: User, other_inspector: User) -> dict[str, Case]:
    return {
        "own": case_in_state(State.RECEIVED, inspector=inspector),
        "own_closed": case_in_state(State.CLOSED, inspector=inspector),
        "own_investigated": case_in_state(State.UNDER_INVESTIGATION, inspector=inspector),
        "other": case_in_state(State.RECEIVED, inspector=other_inspector),
        "other_investigated": case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector),
        "queue": intake(other_inspector),  # registered by someone else, not yet taken
    }


@pytest.fixture
def users(
    inspector: User,
    other_inspector: User,
    supervisor: User,
    functional_admin: User,
    no_role_user: User,
) -> dict[str, Any]:
    inactive_inspector = make_user(Role.INSPECTEUR, username="oud_inspecteur")
    inactive_supervisor = make_user(Role.TEAMLEIDER, username="oud_teamleider")
    return {
        "inspector": inspector,
        "other_inspector": other_inspector,
        "supervisor": supervisor,
        "functional_admin": functional_admin,
        "no_role": no_role_user,
        "inactive_inspector": inactive_inspector,
        "inactive_supervisor": inactive_supervisor,
        "anonymous": AnonymousUser(),
    }


def _deactivate(users: dict[str, Any], cases: dict[str, Case]) -> None:
    """The inactive inspector is the assignee of the 'own' cases, then deactivated."""
    inactive = users["inactive_inspector"]
    Case.objects.filter(pk__in=[cases["own"].pk, cases["own_investigated"].pk]).update(
        assignee=inactive
    )
    for key in ("inactive_inspector", "inactive_supervisor"):
        User.objects.filter(pk=users[key].pk).update(is_active=False)
        users[key] = User.objects.get(pk=users[key].pk)


ALL = {"own", "own_closed", "own_investigated", "other", "other_investigated", "queue"}
OWN = {"own", "own_closed", "own_investigated"}
OTHERS = {"other", "other_investigated"}

# role -> the cases it may see / see the melder of / act on / take
EXPECTED: dict[str, dict[str, set[str]]] = {
    "inspector": {
        "view": OWN | {"queue"},
        "melder": OWN,
        "act": OWN,
        "take": {"queue"},
    },
    "other_inspector": {
        "view": OTHERS | {"queue"},
        "melder": OTHERS,
        "act": OTHERS,
        "take": {"queue"},
    },
    "supervisor": {"view": ALL, "melder": ALL, "act": ALL, "take": {"queue"}},
    "functional_admin": {"view": set(), "melder": set(), "act": set(), "take": set()},
    "no_role": {"view": set(), "melder": set(), "act": set(), "take": set()},
    "inactive_inspector": {"view": set(), "melder": set(), "act": set(), "take": set()},
    "inactive_supervisor": {"view": set(), "melder": set(), "act": set(), "take": set()},
    "anonymous": {"view": set(), "melder": set(), "act": set(), "take": set()},
}
CHECKS = {
    "view": permissions.can_view_case,
    "melder": permissions.can_view_melder,
    "act": permissions.can_act_on_case,
    "take": permissions.can_take,
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("question", list(CHECKS))
def test_case_permission_matrix(
    role: str, question: str, users: dict[str, Any], cases: dict[str, Case]
) -> None:
    if role.startswith("inactive"):
        _deactivate(users, cases)
    user = users[role]
    check = CHECKS[question]
    allowed = {name for name, case in cases.items() if check(user, Case.objects.get(pk=case.pk))}
    assert allowed == EXPECTED[role][question]


@pytest.mark.parametrize("role", list(EXPECTED))
def test_visible_cases_matches_can_view_case(
    role: str, users: dict[str, Any], cases: dict[str, Case]
) -> None:
    if role.startswith("inactive"):
        _deactivate(users, cases)
    user = users[role]
    names = {case.pk: name for name, case in cases.items()}
    visible = {names[pk] for pk in permissions.visible_cases(user).values_list("pk", flat=True)}
    assert visible == EXPECTED[role]["view"]
    # The same answer per object (list and detail view agree).
    assert visible == {n for n, c in cases.items() if permissions.can_view_case(user, c)}


def test_visible_cases_narrows_a_given_queryset(
    users: dict[str, Any], cases: dict[str, Case]
) -> None:
    received = Case.objects.filter(state=State.RECEIVED)
    visible = permissions.visible_cases(users["inspector"], received)
    assert set(visible.values_list("pk", flat=True)) == {cases["own"].pk, cases["queue"].pk}


def test_intake_queue_is_visible_to_every_inspector(
    users: dict[str, Any], cases: dict[str, Case]
) -> None:
    queue = cases["queue"]
    for role in ("inspector", "other_inspector", "supervisor"):
        assert permissions.visible_cases(users[role]).filter(pk=queue.pk).exists()
        assert permissions.can_view_case(users[role], queue)
    # ... but the melder data and description only once it is someone's case.
    assert not permissions.can_view_melder(users["inspector"], queue)


def test_taken_case_leaves_the_queue(users: dict[str, Any], cases: dict[str, Case]) -> None:
    queue = cases["queue"]
    Case.objects.filter(pk=queue.pk).update(assignee=users["inspector"])
    queue = Case.objects.get(pk=queue.pk)
    assert not permissions.can_view_case(users["other_inspector"], queue)
    assert not permissions.can_take(users["other_inspector"], queue)
    assert permissions.can_view_melder(users["inspector"], queue)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_assign_and_reopen_are_for_supervisors(
    role: str, users: dict[str, Any], cases: dict[str, Case]
) -> None:
    if role.startswith("inactive"):
        _deactivate(users, cases)
    user = users[role]
    expected = role == "supervisor"
    assert permissions.can_assign(user) is expected
    assert permissions.can_reopen(user, cases["own_closed"]) is expected
    assert permissions.is_supervisor(user) is expected
    assert permissions.can_view_dashboard(user) is expected


@pytest.mark.parametrize("role", list(EXPECTED))
def test_register_and_be_assignee(role: str, users: dict[str, Any], cases: dict[str, Case]) -> None:
    if role.startswith("inactive"):
        _deactivate(users, cases)
    user = users[role]
    case_workers = {"inspector", "other_inspector", "supervisor"}
    assert permissions.can_register(user) is (role in case_workers)
    assert permissions.can_be_assignee(user) is (role in case_workers)


def test_superuser_without_groups_is_a_supervisor(cases: dict[str, Case]) -> None:
    superuser = make_user(None, username="root", is_superuser=True, is_staff=True)
    assert permissions.is_supervisor(superuser)
    assert permissions.visible_cases(superuser).count() == len(cases)


def test_permission_granted_through_group_change(
    no_role_user: User, cases: dict[str, Case]
) -> None:
    assert not permissions.visible_cases(no_role_user).exists()
    no_role_user.groups.add(Group.objects.get(name=Role.INSPECTEUR))
    user = User.objects.get(pk=no_role_user.pk)  # permission cache is per instance
    assert permissions.visible_cases(user).filter(pk=cases["queue"].pk).exists()


# ---------------------------------------------------------------------------
# Roles and reference data


def _reference_snapshot() -> dict[str, Any]:
    return {
        "groups": {
            g.name: sorted(
                f"{p.content_type.app_label}.{p.codename}"
                for p in g.permissions.select_related("content_type")
            )
            for g in Group.objects.all()
        },
        "topics": list(Topic.objects.order_by("pk").values()),
        "sectors": list(Sector.objects.order_by("code").values()),
        "permissions": Permission.objects.count(),
    }


def test_reference_data_exists_after_migrate() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    assert dict(Topic.objects.values_list("code", "label")) == dict(TOPICS)
    codes = list(Sector.objects.values_list("code", flat=True))
    assert codes == [chr(c) for c in range(ord("A"), ord("U") + 1)]
    assert len(codes) == 21 == len(SECTORS)


def test_ensure_reference_data_is_idempotent() -> None:
    before = _reference_snapshot()
    ensure_reference_data()
    ensure_reference_data()
    assert _reference_snapshot() == before


def test_ensure_reference_data_keeps_local_changes_and_restores_missing() -> None:
    Topic.objects.filter(code="overig").update(label="Anders", active=False)
    Sector.objects.filter(code="U").delete()
    inspecteur = Group.objects.get(name=Role.INSPECTEUR)
    act = Permission.objects.get(codename="act_on_case")
    inspecteur.permissions.remove(act)
    Group.objects.filter(name=Role.TEAMLEIDER).delete()

    ensure_reference_data()

    overig = Topic.objects.get(code="overig")
    assert (overig.label, overig.active) == ("Anders", False)  # renamed by the beheerder
    assert Sector.objects.filter(code="U").exists()
    assert inspecteur.permissions.filter(pk=act.pk).exists()
    assert (
        Group.objects.get(name=Role.TEAMLEIDER)
        .permissions.filter(codename="supervise_cases")
        .exists()
    )


@pytest.mark.parametrize(
    ("role", "has", "lacks"),
    [
        (Role.INSPECTEUR, {"act_on_case", "add_case"}, {"supervise_cases", "view_event"}),
        (Role.TEAMLEIDER, {"act_on_case", "supervise_cases", "view_event"}, {"delete_case"}),
        (
            Role.FUNCTIONEEL_BEHEERDER,
            {"change_topic", "change_user", "view_event"},
            {"act_on_case", "supervise_cases", "add_case", "delete_user", "view_melder"},
        ),
    ],
)
def test_role_permissions(role: str, has: set[str], lacks: set[str]) -> None:
    codenames = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
    assert has <= codenames
    assert not (lacks & codenames)
    # Nobody may delete anything through a role.
    assert not {c for c in codenames if c.startswith("delete_")}


def test_permission_backend_answers_like_modelbackend_in_one_query(
    users: dict[str, Any], django_assert_num_queries: Any
) -> None:
    """cases.auth.PermissionBackend reads a user's own permissions, their groups'
    permissions and their group names in one UNION; the answers equal Django's ModelBackend
    and the user's groups for every kind of user."""
    from django.contrib.auth.backends import ModelBackend

    from cases import auth

    mixed = make_user(Role.INSPECTEUR, username="gemengd")
    mixed.user_permissions.add(Permission.objects.get(codename="supervise_cases"))
    mixed.groups.add(Group.objects.get(name=Role.FUNCTIONEEL_BEHEERDER))
    superuser = User.objects.create_superuser("super", password="x-Thuiswerk-2021")
    User.objects.filter(pk=users["inactive_inspector"].pk).update(is_active=False)
    people = [u for u in users.values() if isinstance(u, User)] + [mixed, superuser]
    for person in people:
        expected = ModelBackend().get_all_permissions(User.objects.get(pk=person.pk))
        fresh_user = User.objects.get(pk=person.pk)
        assert auth.PermissionBackend().get_all_permissions(fresh_user) == expected, person
        names = sorted(person.groups.values_list("name", flat=True))
        assert auth.group_names(User.objects.get(pk=person.pk)) == names, person
    assert len(auth.group_names(mixed)) == 2

    fresh_user = User.objects.get(pk=mixed.pk)
    with django_assert_num_queries(1):
        assert fresh_user.has_perm(permissions.SUPERVISE)
        assert fresh_user.has_perm(permissions.ACT)
        assert not fresh_user.has_perm("cases.delete_event")
        assert auth.group_names(fresh_user) == sorted(
            [str(Role.INSPECTEUR), str(Role.FUNCTIONEEL_BEHEERDER)]
        )
