"""Accounts: two-factor sign-in, passwords someone else set, and role changes.

Each write records its Event. Role grants of roles that see melder data are kept as
`RoleGrant` rows, shown to the team leaders until one of them acknowledges the grant.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import permissions
from cases.errors import NotPermittedError, ServiceError
from cases.events import record_event
from cases.models import MELDER_DATA_ROLES, AccountSecurity, EventKind, RoleGrant
from cases.services import base
from cases.types import Actor

RECOVERY_CODES = 10
DEVICE_NAME = "Authenticator-app"
RECOVERY_NAME = "Herstelcodes"


# ---------------------------------------------------------------------------
# Two-factor sign-in


def has_second_factor(user: Actor) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _new_recovery_codes(user: Actor) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_enrol(*, user: Actor, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Set up the authenticator app with `key` (hex, shown to the user as a QR code),
    confirmed by a `code` the app shows now (one step of clock difference either way).
    Returns the device and new recovery codes (shown once)."""
    device = TOTPDevice(user=user, key=key, name=DEVICE_NAME, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not (code.isdigit() and len(code) == device.digits and totp.verify(int(code), tolerance=1)):
        raise ServiceError(
            _("The code is not correct. Enter the six digits the app shows now."),
            code="wrong_code",
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device.last_t = totp.t()
        device.save()
        codes = _new_recovery_codes(user)
        record_event(
            kind=EventKind.TWO_FACTOR_ENROLLED,
            actor=user,
            data={"user_id": user.pk, "username": user.get_username()},
        )
    return device, codes


def two_factor_verify(*, user: Actor, code: str) -> Device | None:
    """The device (authenticator app or recovery codes) that accepts `code`, or None: then
    the failed attempt is an Event. Each device slows down repeated wrong codes
    (django-otp's throttling); a recovery code works once."""
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(code):
                return device
    record_event(
        kind=EventKind.LOGIN_FAILED,
        actor=user,
        data={"username": user.get_username(), "reason": "second_factor"},
    )
    return None


def two_factor_reset(*, actor: Actor, user: Actor) -> None:
    """The Functioneel beheerder removes someone's authenticator and recovery codes (a lost
    phone): that person sets up two-factor sign-in again at the next sign-in."""
    if not permissions.can_manage_users(actor):
        raise NotPermittedError(
            _("Only the functional administrator may reset two-factor sign-in.")
        )
    if actor.pk == user.pk:
        raise NotPermittedError(_("You cannot reset your own two-factor sign-in."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record_event(
            kind=EventKind.TWO_FACTOR_RESET,
            actor=actor,
            data={"user_id": user.pk, "username": user.get_username()},
        )


# ---------------------------------------------------------------------------
# Passwords


def must_change_password(user: Actor) -> bool:
    return AccountSecurity.objects.filter(user=user, must_change_password=True).exists()


def password_set_by_other(*, actor: Actor, user: Actor) -> None:
    """Someone else (the Functioneel beheerder, in the admin) set `user`'s password: an
    Event, and `user` must choose a new password at the next sign-in."""
    if actor.pk == user.pk:
        return
    AccountSecurity.objects.update_or_create(user=user, defaults={"must_change_password": True})
    record_event(
        kind=EventKind.PASSWORD_SET,
        actor=actor,
        data={"user_id": user.pk, "username": user.get_username()},
    )


def password_changed(*, user: Actor) -> None:
    """The user chose a new password themselves."""
    AccountSecurity.objects.filter(user=user).update(must_change_password=False)
    record_event(
        kind=EventKind.PASSWORD_CHANGED,
        actor=user,
        data={"user_id": user.pk, "username": user.get_username()},
    )


# ---------------------------------------------------------------------------
# Roles


def roles_changed(
    *, actor: Actor, user: Actor, before: Iterable[str], after: Iterable[str]
) -> None:
    """Record a change of `user`'s roles (groups) by `actor`: an Event, and a RoleGrant for
    each role that sees melder data. Nobody grants a role to themselves."""
    old, new = set(before), set(after)
    if old == new:
        return
    added = sorted(new - old)
    if added and actor.pk == user.pk:
        raise NotPermittedError(_("You cannot grant yourself a role."))
    at = base.now()
    record_event(
        kind=EventKind.ROLE_CHANGED,
        actor=actor,
        at=at,
        data={
            "user_id": user.pk,
            "username": user.get_username(),
            "groups_added": added,
            "groups_removed": sorted(old - new),
        },
    )
    RoleGrant.objects.bulk_create(
        RoleGrant(user=user, role=role, granted_by=actor, granted_at=at)
        for role in added
        if role in MELDER_DATA_ROLES
    )


def role_grant_acknowledge(*, actor: Actor, grant: RoleGrant | int) -> RoleGrant:
    """A team leader has seen a grant of a role that sees melder data."""
    if not permissions.is_supervisor(actor):
        raise NotPermittedError(_("Only a team leader may acknowledge a role grant."))
    pk = grant.pk if isinstance(grant, RoleGrant) else grant
    with transaction.atomic():
        item = RoleGrant.objects.select_for_update().filter(pk=pk).first()
        if item is None:
            raise ServiceError(_("This role grant does not exist."), code="not_found")
        if item.user_id == actor.pk:
            raise NotPermittedError(_("Another team leader must acknowledge your own role."))
        if item.acknowledged_at is not None:
            return item
        item.acknowledged_by = actor
        item.acknowledged_at = base.now()
        item.save(update_fields=["acknowledged_by", "acknowledged_at"])
        record_event(
            kind=EventKind.ROLE_GRANT_ACKNOWLEDGED,
            actor=actor,
            data={"user_id": item.user_id, "username": item.user.get_username()},
        )
    return item
