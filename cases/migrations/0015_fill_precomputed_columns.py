"""Fill the precomputed columns of every case, the topics' bits and the counts per day.

Frozen copies of the rules of cases.rollups and cases.reference_data as they were when this
migration was written (a migration must not change when the application does). The day is
computed in Python, as the services do, so SQLite and PostgreSQL get the same day.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

TOPIC_BITS = {
    "niet_mogen_thuiswerken": 0,
    "thuiswerkplek": 1,
    "afstand_op_locatie": 2,
    "hygiene_op_locatie": 3,
    "werkdruk": 4,
    "overig": 5,
}
STATE_CODES = {
    "received": 1,
    "under_investigation": 2,
    "employer_called": 3,
    "agreements_confirmed": 4,
    "closed": 5,
}
OUTCOME_CODES = {
    "": 0,
    "onvoldoende_informatie": 1,
    "ingetrokken": 2,
    "geen_overtreding_aannemelijk": 3,
    "buiten_bevoegdheid": 4,
    "dubbele_melding": 5,
    "werkgever_onbereikbaar": 6,
    "doorverwezen_inspectie_op_locatie": 7,
    "werkgever_voldoet_al": 8,
    "afspraken_nagekomen": 9,
}
CHANNEL_CODES = {"webformulier": 1, "telefoon": 2, "email": 3, "brief": 4}
AGREEMENT_DEADLINE_STATES = ("employer_called", "agreements_confirmed")
BATCH = 2000

# Per table: its columns, and the SELECT that counts from the stored columns; the keyed
# tables have a row per day and a subtotal per month ({month}: its first day, per database).
RECOUNT = [
    (
        "cases_daycount",
        "day, received, only_not_allowed, not_recognised",
        "SELECT local_day, COUNT(*), SUM(CASE WHEN topic_mask = 1 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN not_recognised THEN 1 ELSE 0 END) FROM cases_case GROUP BY local_day",
        [],
    ),
    (
        "cases_daystatecount",
        "whole_month, day, state_code, outcome_code, investigated, n",
        "SELECT %s, {day}, state_code, outcome_code, "
        "CASE WHEN investigated_at IS NULL THEN %s ELSE %s END, COUNT(*) FROM cases_case "
        "GROUP BY {day}, state_code, outcome_code, "
        "CASE WHEN investigated_at IS NULL THEN %s ELSE %s END",
        [False, True, False, True],
    ),
    (
        "cases_daysectorcount",
        "whole_month, day, sector_code, n",
        "SELECT %s, {day}, COALESCE(sector_code, ''), COUNT(*) FROM cases_case "
        "GROUP BY {day}, COALESCE(sector_code, '')",
        [],
    ),
    (
        "cases_dayassigneecount",
        "whole_month, day, assignee_id, n",
        "SELECT %s, {day}, COALESCE(assignee_id, 0), COUNT(*) FROM cases_case "
        "GROUP BY {day}, COALESCE(assignee_id, 0)",
        [],
    ),
]
MONTH_START = {
    "postgresql": "CAST(date_trunc('month', local_day) AS date)",
    "sqlite": "date(local_day, 'start of month')",
}


def assign_topic_bits(topic_model):
    topics = list(topic_model.objects.order_by("pk"))
    next_bit = len(TOPIC_BITS)
    for topic in topics:
        if topic.code in TOPIC_BITS:
            topic.bit = TOPIC_BITS[topic.code]
        else:
            topic.bit = next_bit
            next_bit += 1
    topic_model.objects.bulk_update(topics, ["bit"])
    return {topic.pk: topic.bit for topic in topics}


def fill(apps, schema_editor):
    case_model = apps.get_model("cases", "Case")
    call_model = apps.get_model("cases", "Call")
    agreement_model = apps.get_model("cases", "Agreement")
    bits = assign_topic_bits(apps.get_model("cases", "Topic"))
    zone = ZoneInfo(settings.TIME_ZONE)
    nee = set(
        call_model.objects.filter(reached=True, employer_response="nee").values_list(
            "case_id", flat=True
        )
    )
    last = 0
    while True:
        cases = list(
            case_model.objects.select_related("employer").filter(pk__gt=last).order_by("pk")[:BATCH]
        )
        if not cases:
            break
        last = cases[-1].pk
        dues = dict(
            agreement_model.objects.filter(case_id__in=[c.pk for c in cases], status="open")
            .values("case_id")
            .annotate(due=models.Min("due_date"))
            .values_list("case_id", "due")
        )
        masks = {}
        for case_id, topic_id in case_model.topics.through.objects.filter(
            case_id__in=[c.pk for c in cases]
        ).values_list("case_id", "topic_id"):
            masks[case_id] = masks.get(case_id, 0) | (1 << bits[topic_id])
        for case in cases:
            case.local_day = case.received_at.astimezone(zone).date()
            case.state_code = STATE_CODES[case.state]
            case.outcome_code = OUTCOME_CODES[case.outcome]
            case.channel_code = CHANNEL_CODES[case.channel]
            case.sector_code = case.employer.sector_id
            case.topic_mask = masks.get(case.pk, 0)
            case.not_recognised = case.pk in nee
            in_agreements = case.state in AGREEMENT_DEADLINE_STATES
            case.agreement_due = dues.get(case.pk) if in_agreements else None
        case_model.objects.bulk_update(
            cases,
            [
                "local_day",
                "state_code",
                "outcome_code",
                "channel_code",
                "sector_code",
                "topic_mask",
                "not_recognised",
                "agreement_due",
            ],
        )
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table, columns, select, params in RECOUNT:
            # Fixed table and column names above; no input.
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            if table == "cases_daycount":
                cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)
                continue
            for whole_month, day in ((False, "local_day"), (True, MONTH_START[connection.vendor])):
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) {select.format(day=day)}",
                    [whole_month, *params],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_precomputed_columns_and_day_counts"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
