"""The codes of the precomputed columns, and the counts per day the dashboard reads.

Written only by `cases.rollups`, which the services call in the transaction of every write
that changes what they count; `manage.py rebuild_day_counts` recounts them from the cases.
One table per dimension, each keyed by the local day of receipt (`Case.local_day`):

- `DayCount`: received, only "not allowed to work from home", employer did not recognise itself;
- `DayStateCount`: per current state, outcome and whether ever investigated;
- `DaySectorCount`: per sector of the employer ("" for none);
- `DayAssigneeCount`: per assignee (0 for nobody).

The last three also hold a subtotal per calendar month (`whole_month`, on the month's first
day), kept with the day's count: ten years are 120 months instead of 3,652 days, so a long
period reads whole months and only its first and last days one by one.

A count may be 0 (a case moved on); readers leave those rows out.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.choices import Channel, Outcome, State

# Small codes for the state, outcome and channel of a case (Case.state_code and so on), so
# that the dashboard's covering index holds two bytes instead of the text. Stored in every
# row: a code never changes and is never reused. A new choice needs a new code here.
STATE_CODES: dict[str, int] = {
    State.RECEIVED: 1,
    State.UNDER_INVESTIGATION: 2,
    State.EMPLOYER_CALLED: 3,
    State.AGREEMENTS_CONFIRMED: 4,
    State.CLOSED: 5,
}
OUTCOME_CODES: dict[str, int] = {
    "": 0,  # not closed
    Outcome.ONVOLDOENDE_INFORMATIE: 1,
    Outcome.INGETROKKEN: 2,
    Outcome.GEEN_OVERTREDING_AANNEMELIJK: 3,
    Outcome.BUITEN_BEVOEGDHEID: 4,
    Outcome.DUBBELE_MELDING: 5,
    Outcome.WERKGEVER_ONBEREIKBAAR: 6,
    Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE: 7,
    Outcome.WERKGEVER_VOLDOET_AL: 8,
    Outcome.AFSPRAKEN_NAGEKOMEN: 9,
}
CHANNEL_CODES: dict[str, int] = {
    Channel.WEBFORMULIER: 1,
    Channel.TELEFOON: 2,
    Channel.EMAIL: 3,
    Channel.BRIEF: 4,
}
STATE_OF_CODE = {code: state for state, code in STATE_CODES.items()}
OUTCOME_OF_CODE = {code: outcome for outcome, code in OUTCOME_CODES.items()}
CLOSED_CODE = STATE_CODES[State.CLOSED]
# The states with a stored deadline (cases.models.case.DEADLINES): received and under
# investigation.
DEADLINE_STATE_CODES = (STATE_CODES[State.RECEIVED], STATE_CODES[State.UNDER_INVESTIGATION])

NO_SECTOR = ""  # DaySectorCount.sector_code of employers without a sector
NOBODY = 0  # DayAssigneeCount.assignee_id of unassigned cases


class DayCount(models.Model):
    day = models.DateField(_("day"), primary_key=True)
    received = models.IntegerField(_("received"), default=0)
    only_not_allowed = models.IntegerField(_("only not allowed to work from home"), default=0)
    not_recognised = models.IntegerField(_("employer did not recognise itself"), default=0)

    class Meta:
        verbose_name = _("count per day")
        verbose_name_plural = _("counts per day")

    def __str__(self) -> str:
        return f"{self.day}: {self.received}"


class DayStateCount(models.Model):
    day = models.DateField(_("day"))
    whole_month = models.BooleanField(_("whole month"), default=False)
    state_code = models.PositiveSmallIntegerField(_("status code"))
    outcome_code = models.PositiveSmallIntegerField(_("outcome code"))
    investigated = models.BooleanField(_("taken into investigation"))
    n = models.IntegerField(_("number"), default=0)

    class Meta:
        verbose_name = _("count per day and status")
        verbose_name_plural = _("counts per day and status")
        constraints = [
            models.UniqueConstraint(
                fields=["whole_month", "day", "state_code", "outcome_code", "investigated"],
                name="daystatecount_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.state_code}/{self.outcome_code}: {self.n}"


class DaySectorCount(models.Model):
    day = models.DateField(_("day"))
    whole_month = models.BooleanField(_("whole month"), default=False)
    sector_code = models.CharField(_("sector code"), max_length=1, blank=True)
    n = models.IntegerField(_("number"), default=0)

    class Meta:
        verbose_name = _("count per day and sector")
        verbose_name_plural = _("counts per day and sector")
        constraints = [
            models.UniqueConstraint(
                fields=["whole_month", "day", "sector_code"], name="daysectorcount_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.sector_code or '-'}: {self.n}"


class DayAssigneeCount(models.Model):
    day = models.DateField(_("day"))
    whole_month = models.BooleanField(_("whole month"), default=False)
    # A user id, or NOBODY; not a foreign key, so that counting adds no constraint checks.
    assignee_id = models.BigIntegerField(_("assignee"))
    n = models.IntegerField(_("number"), default=0)

    class Meta:
        verbose_name = _("count per day and assignee")
        verbose_name_plural = _("counts per day and assignee")
        constraints = [
            models.UniqueConstraint(
                fields=["whole_month", "day", "assignee_id"], name="dayassigneecount_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.assignee_id}: {self.n}"
