"""Signal handlers: fixture loading and authentication events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from cases.types import Actor

if TYPE_CHECKING:
    from cases.models import Case


def advance_counter_on_raw_save(
    sender: type[Case], instance: Case, raw: bool = False, **kwargs: Any
) -> None:
    """`loaddata` saves cases raw; keep the reference counter past every loaded reference."""
    if raw:
        from cases.services import advance_reference_counter

        advance_reference_counter(instance.reference)


def _on_login(sender: type[Actor], request: HttpRequest, user: Actor, **kwargs: Any) -> None:
    from cases.events import record_event
    from cases.models import EventKind
    from cases.services.accounts import must_change_password
    from cases.signin import MUST_CHANGE_PASSWORD
    from inspectie.middleware import mark_session_refreshed

    record_event(kind=EventKind.LOGIN, actor=user, data={"user_id": user.pk})
    session = getattr(request, "session", None)
    if session is not None:
        mark_session_refreshed(session)  # saved with the sign-in: no second save right after
        if must_change_password(user):
            session[MUST_CHANGE_PASSWORD] = True


def _on_logout(
    sender: type[Actor | None], request: HttpRequest, user: Actor | None, **kwargs: Any
) -> None:
    from cases.events import record_event
    from cases.models import EventKind

    if user is not None:
        record_event(kind=EventKind.LOGOUT, actor=user, data={"user_id": user.pk})


def _on_login_failed(sender: str, credentials: dict[str, Any], **kwargs: Any) -> None:
    from cases.events import record_event
    from cases.models import EventKind

    username = str(credentials.get("username", ""))[:150]
    record_event(kind=EventKind.LOGIN_FAILED, actor=None, data={"username": username})


def _on_locked_out(sender: str, username: str | None = None, **kwargs: Any) -> None:
    """django-axes locked (or keeps locked) a username and address after too many failures."""
    from cases.events import record_event
    from cases.models import EventKind

    record_event(
        kind=EventKind.LOGIN_LOCKED, actor=None, data={"username": str(username or "")[:150]}
    )


def connect_auth_signals() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_locked_out, dispatch_uid="cases_login_locked_event")
    user_logged_in.connect(_on_login, dispatch_uid="cases_login_event")
    user_logged_out.connect(_on_logout, dispatch_uid="cases_logout_event")
    user_login_failed.connect(_on_login_failed, dispatch_uid="cases_login_failed_event")
