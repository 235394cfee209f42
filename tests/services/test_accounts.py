"""cases/services/accounts.py: role changes and their grants, acknowledged by a team leader;
passwords set by someone else. (Two-factor sign-in: tests/test_signin.py.)"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import escape

from cases.errors import NotPermittedError
from cases.models import Event, EventKind, Role, RoleGrant
from cases.services import accounts
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_granting_a_role_that_sees_melder_data_is_kept_for_the_team_leaders(
    functional_admin: User, no_role_user: User
) -> None:
    accounts.roles_changed(
        actor=functional_admin,
        user=no_role_user,
        before=[],
        after=[Role.TEAMLEIDER, Role.FUNCTIONEEL_BEHEERDER],
    )
    grant = RoleGrant.objects.get()
    assert (grant.user, grant.role, grant.granted_by) == (
        no_role_user,
        Role.TEAMLEIDER,
        functional_admin,
    )
    assert grant.acknowledged_at is None
    event = Event.objects.get(kind=EventKind.ROLE_CHANGED)
    assert event.data["groups_added"] == [Role.FUNCTIONEEL_BEHEERDER, Role.TEAMLEIDER]
    # Removing a role is an Event, not a grant.
    accounts.roles_changed(
        actor=functional_admin, user=no_role_user, before=[Role.TEAMLEIDER], after=[]
    )
    assert RoleGrant.objects.count() == 1
    assert Event.objects.filter(kind=EventKind.ROLE_CHANGED).count() == 2


def test_nobody_grants_themselves_a_role(functional_admin: User) -> None:
    with pytest.raises(NotPermittedError):
        accounts.roles_changed(
            actor=functional_admin,
            user=functional_admin,
            before=[Role.FUNCTIONEEL_BEHEERDER],
            after=[Role.FUNCTIONEEL_BEHEERDER, Role.TEAMLEIDER],
        )
    assert not RoleGrant.objects.exists()


def test_one_team_leader_acknowledges_and_the_grant_leaves_every_start_page(
    client, functional_admin: User, supervisor: User, inspector: User
) -> None:
    other_leader = make_user(Role.TEAMLEIDER, username="teamleider2")
    accounts.roles_changed(
        actor=functional_admin, user=inspector, before=[], after=[Role.INSPECTEUR]
    )
    grant = RoleGrant.objects.get()
    for leader in (supervisor, other_leader):
        client.force_login(leader)
        page = client.get(reverse("home")).content.decode()
        assert 'data-testid="role-grant"' in page
        assert escape(inspector.get_full_name()) in page
    client.force_login(inspector)  # an inspector does not see the grants
    assert 'data-testid="role-grants"' not in client.get(reverse("home")).content.decode()
    client.force_login(supervisor)
    response = client.post(reverse("role_grant_acknowledge", args=[grant.pk]))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.acknowledged_by == supervisor and grant.acknowledged_at is not None
    assert Event.objects.filter(kind=EventKind.ROLE_GRANT_ACKNOWLEDGED, actor=supervisor).exists()
    client.force_login(other_leader)
    assert 'data-testid="role-grants"' not in client.get(reverse("home")).content.decode()


def test_a_team_leader_does_not_acknowledge_their_own_role(
    functional_admin: User, supervisor: User
) -> None:
    grant = RoleGrant.objects.create(
        user=supervisor,
        role=Role.TEAMLEIDER,
        granted_by=functional_admin,
        granted_at=functional_admin.date_joined,
    )
    with pytest.raises(NotPermittedError):
        accounts.role_grant_acknowledge(actor=supervisor, grant=grant)
    with pytest.raises(NotPermittedError):
        accounts.role_grant_acknowledge(actor=functional_admin, grant=grant)
    grant.refresh_from_db()
    assert grant.acknowledged_at is None


def test_password_set_by_someone_else(functional_admin: User, inspector: User) -> None:
    accounts.password_set_by_other(actor=functional_admin, user=inspector)
    assert accounts.must_change_password(inspector)
    event = Event.objects.get(kind=EventKind.PASSWORD_SET)
    assert event.data == {"user_id": inspector.pk, "username": "inspecteur1"}
    # Setting one's own password is not "someone else's".
    accounts.password_set_by_other(actor=functional_admin, user=functional_admin)
    assert not accounts.must_change_password(functional_admin)
    accounts.password_changed(user=inspector)
    assert not accounts.must_change_password(inspector)
