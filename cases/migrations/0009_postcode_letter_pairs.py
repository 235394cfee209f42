"""Postcodes with the letter pairs SA, SD and SS are never issued: the check constraints on
the employer's postcodes refuse them too (cases.validators.POSTCODE_PATTERN).

Rows that already hold such a postcode stop the migration with the employers to correct,
rather than being changed here."""

from django.db import migrations, models

PATTERN = "^[1-9][0-9]{3} ([A-RT-Z][A-Z]|S[BCE-RT-Z])$"
NEVER_ISSUED = ("SA", "SD", "SS")


def refuse_existing_never_issued(apps, schema_editor):
    Employer = apps.get_model("cases", "Employer")
    bad = models.Q()
    for pair in NEVER_ISSUED:
        bad |= models.Q(visit_postcode__endswith=f" {pair}")
        bad |= models.Q(postal_postcode__endswith=f" {pair}")
    found = list(Employer.objects.filter(bad).values_list("pk", flat=True)[:50])
    if found:
        raise RuntimeError(
            "Employers with a postcode ending in SA, SD or SS (never issued); correct them in "
            f"the admin first: {found}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_figuresnapshot_schema_version"),
    ]

    operations = [
        migrations.RunPython(refuse_existing_never_issued, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="employer",
            name="employer_visit_postcode_format",
        ),
        migrations.RemoveConstraint(
            model_name="employer",
            name="employer_postal_postcode_format",
        ),
        migrations.AddConstraint(
            model_name="employer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("visit_postcode", ""), ("visit_postcode__regex", PATTERN), _connector="OR"
                ),
                name="employer_visit_postcode_format",
            ),
        ),
        migrations.AddConstraint(
            model_name="employer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("postal_postcode", ""), ("postal_postcode__regex", PATTERN), _connector="OR"
                ),
                name="employer_postal_postcode_format",
            ),
        ),
    ]
