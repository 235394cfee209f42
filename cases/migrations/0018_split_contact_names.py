"""Move the free-text contact names of employers and reached calls into the structured
fields (form of address, title, initials or first name, tussenvoegsel, surname).

`cases.salutation.parse_name` does the splitting ("de heer V. Wouters", "Mw. drs. A. van der
Berg", "dhr. J. Jansen-de Vries"). What it cannot parse with confidence keeps its text (after
any form of address) in the surname, so nothing is lost, and is listed on stdout for a
functional administrator to correct in the admin. Reversing writes the names back as screens
show the person ("de heer V. Wouters").
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from cases.salutation import PersonName, display_name, parse_name

FIELDS = (
    "contact_form_of_address",
    "contact_title",
    "contact_initials",
    "contact_tussenvoegsel",
    "contact_surname",
)
# The longest each structured field may be (0017); a longer part is cut and reported.
LIMITS = {"contact_title": 30, "contact_initials": 60, "contact_tussenvoegsel": 20,
          "contact_surname": 150}  # fmt: skip


def split_names(apps: Any, schema_editor: Any) -> list[str]:
    """Fill the structured fields; returns (and prints) the report of names not parsed."""
    report: list[str] = []
    for model_name in ("Employer", "Call"):
        model = apps.get_model("cases", model_name)
        rows = model.objects.using(schema_editor.connection.alias).exclude(contact_name="")
        for row in rows.only("pk", "contact_name").iterator(chunk_size=500):
            parsed = parse_name(row.contact_name)
            values = dict(zip(FIELDS, parsed.name.parts(), strict=True))
            problem = parsed.problem
            for field, limit in LIMITS.items():
                if len(values[field]) > limit:
                    values[field] = values[field][:limit]
                    problem = problem or f"{field} cut to {limit} characters"
            model.objects.using(schema_editor.connection.alias).filter(pk=row.pk).update(**values)
            if problem:
                report.append(f"{model_name.lower()} {row.pk}: {row.contact_name!r}: {problem}")
    if report:
        print(
            f"\nContact names not parsed with confidence ({len(report)}); correct them in the "
            "admin:\n  " + "\n  ".join(report)
        )
    return report


def join_names(apps: Any, schema_editor: Any) -> None:
    for model_name in ("Employer", "Call"):
        model = apps.get_model("cases", model_name)
        rows = model.objects.using(schema_editor.connection.alias)
        for row in rows.only("pk", *FIELDS).iterator(chunk_size=500):
            name = PersonName(*(getattr(row, field) for field in FIELDS))
            text = display_name(name) or name.surname
            if text:
                rows.filter(pk=row.pk).update(contact_name=text[:200])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0017_contact_person_fields"),
    ]

    operations = [
        migrations.RunPython(split_names, join_names, elidable=False),
    ]
