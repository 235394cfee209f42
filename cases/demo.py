"""Preparing a demo database: the schema, the kamerbrief_2021 fixture, demo passwords.

`prepare_demo()` starts again from the fixture (deleting all data); with `keep_data=True`
a database that already holds data is only migrated, so that what was recorded in it
(figures, cases, letters) survives the next start.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from cases.maintenance import allow_event_purge
from cases.models import Case, Role
from tools.kamerbrief_fixture import STAFF

DEMO_PASSWORD = "Thuiswerk-2021!"  # noqa: S105 - a published demo password, DEBUG only
DEMO_USERS = [username for username, *_ in STAFF]
DEMO_PRIVACY_OFFICER = "privacyfunctionaris"


def has_data() -> bool:
    """Whether the (migrated) database already holds cases or users."""
    return Case.objects.exists() or get_user_model().objects.exists()


def prepare_demo(*, verbosity: int = 0, keep_data: bool = False) -> list[str]:
    """Migrate; then, unless `keep_data` and the database has data, empty it, load the
    fixture and set the demo password. Returns the demo users' names.

    Refused unless DEBUG is on: it may delete every row in the database.
    """
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "The demo database is only prepared with DEBUG=true; it deletes all data."
        )
    call_command("migrate", interactive=False, verbosity=verbosity)
    if not (keep_data and has_data()):
        with allow_event_purge():
            call_command("flush", interactive=False, verbosity=verbosity)
        call_command("loaddata", "kamerbrief_2021", verbosity=verbosity)
        # The privacy officer is not in the fixture (it was generated before the role existed).
        officer, _created = get_user_model().objects.get_or_create(
            username=DEMO_PRIVACY_OFFICER,
            defaults={
                "first_name": "Priya",
                "last_name": "de Privacy",
                "email": "privacy@example.nl",
            },
        )
        officer.groups.add(Group.objects.get(name=Role.PRIVACYFUNCTIONARIS))
        users = get_user_model().objects.filter(username__in=[*DEMO_USERS, DEMO_PRIVACY_OFFICER])
        for user in users:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
    names = get_user_model().objects.filter(username__in=[*DEMO_USERS, DEMO_PRIVACY_OFFICER])
    return sorted(names.values_list("username", flat=True))
