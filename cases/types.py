"""Types shared across the app."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

# The person acting: the project uses Django's own user model (AUTH_USER_MODEL is auth.User).
Actor: TypeAlias = User
# Whoever makes a request: signed in or not (permission questions accept both).
AnyUser: TypeAlias = User | AnonymousUser


class AuthenticatedRequest(HttpRequest):
    """A request of a signed-in user: what views behind `cases.access.role_required`
    (and so behind login) receive."""

    user: Actor
