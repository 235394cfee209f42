"""Preparing a demo database: fresh schema, the kamerbrief_2021 fixture, demo passwords."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from cases.maintenance import allow_event_purge
from tools.kamerbrief_fixture import STAFF

DEMO_PASSWORD = "Thuiswerk-2021!"  # noqa: S105 - a published demo password, DEBUG only
DEMO_USERS = [username for username, *_ in STAFF]


def prepare_demo(*, verbosity: int = 0) -> list[str]:
    """Migrate, empty the database, load the fixture and set the demo password.

    Refused unless DEBUG is on: it deletes every row in the database.
    """
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "The demo database is only prepared with DEBUG=true; it deletes all data."
        )
    call_command("migrate", interactive=False, verbosity=verbosity)
    with allow_event_purge():
        call_command("flush", interactive=False, verbosity=verbosity)
    call_command("loaddata", "kamerbrief_2021", verbosity=verbosity)
    users = get_user_model().objects.filter(username__in=DEMO_USERS)
    for user in users:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return sorted(u.username for u in users)
