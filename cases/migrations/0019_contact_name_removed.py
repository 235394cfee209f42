"""The free-text contact_name goes: 0018 moved it into the structured fields."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_split_contact_names"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="call",
            name="contact_name",
        ),
        migrations.RemoveField(
            model_name="employer",
            name="contact_name",
        ),
        migrations.AddConstraint(
            model_name="call",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("reached", True),
                        models.Q(("employer_response", ""), _negated=True),
                        models.Q(
                            ("contact_form_of_address", ""), ("contact_surname", ""), _negated=True
                        ),
                    ),
                    models.Q(
                        ("reached", False),
                        ("employer_response", ""),
                        ("contact_surname", ""),
                        ("contact_initials", ""),
                        ("contact_form_of_address", ""),
                    ),
                    _connector="OR",
                ),
                name="call_reached_has_contact",
            ),
        ),
    ]
