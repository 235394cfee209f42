"""Structured contact person fields beside the free-text contact_name (filled by 0018)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_precomputed_columns_required_and_indexed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="call",
            name="call_reached_has_response",
        ),
        migrations.AddField(
            model_name="call",
            name="contact_form_of_address",
            field=models.CharField(
                blank=True,
                choices=[
                    ("heer", "Mr (de heer)"),
                    ("mevrouw", "Ms (mevrouw)"),
                    ("neutral", "Neutral (no form of address)"),
                ],
                max_length=10,
                verbose_name="form of address",
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="contact_initials",
            field=models.CharField(
                blank=True, max_length=60, verbose_name="initials or first name"
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="contact_surname",
            field=models.CharField(blank=True, max_length=150, verbose_name="surname"),
        ),
        migrations.AddField(
            model_name="call",
            name="contact_title",
            field=models.CharField(blank=True, max_length=30, verbose_name="title"),
        ),
        migrations.AddField(
            model_name="call",
            name="contact_tussenvoegsel",
            field=models.CharField(blank=True, max_length=20, verbose_name="tussenvoegsel"),
        ),
        migrations.AddField(
            model_name="employer",
            name="contact_form_of_address",
            field=models.CharField(
                blank=True,
                choices=[
                    ("heer", "Mr (de heer)"),
                    ("mevrouw", "Ms (mevrouw)"),
                    ("neutral", "Neutral (no form of address)"),
                ],
                max_length=10,
                verbose_name="form of address",
            ),
        ),
        migrations.AddField(
            model_name="employer",
            name="contact_initials",
            field=models.CharField(
                blank=True, max_length=60, verbose_name="initials or first name"
            ),
        ),
        migrations.AddField(
            model_name="employer",
            name="contact_surname",
            field=models.CharField(blank=True, max_length=150, verbose_name="surname"),
        ),
        migrations.AddField(
            model_name="employer",
            name="contact_title",
            field=models.CharField(blank=True, max_length=30, verbose_name="title"),
        ),
        migrations.AddField(
            model_name="employer",
            name="contact_tussenvoegsel",
            field=models.CharField(blank=True, max_length=20, verbose_name="tussenvoegsel"),
        ),
        migrations.AlterField(
            model_name="event",
            name="kind",
            field=models.CharField(
                choices=[
                    ("intake", "Case registered"),
                    ("assigned", "Assigned"),
                    ("take_into_investigation", "Taken into investigation"),
                    ("decline", "Not taken into investigation"),
                    ("call_attempt", "Call attempt without answer"),
                    ("call", "Spoke with employer"),
                    ("call_edited", "Person spoken to corrected"),
                    ("record_call", "Employer called"),
                    ("employer_identified", "Employer identified"),
                    ("agreement_added", "Agreement added"),
                    ("agreement_changed", "Agreement changed"),
                    ("agreement_status", "Agreement status changed"),
                    ("confirm_agreements", "Agreements confirmed by letter"),
                    ("letter_generated", "Letter generated"),
                    ("letter_downloaded", "Letter downloaded"),
                    ("letter_sent", "Letter sent"),
                    ("close", "Closed"),
                    ("reopen", "Reopened"),
                    ("melder_viewed", "Complainant or case details viewed"),
                    ("case_edited", "Case changed"),
                    ("employer_edited", "Employer changed"),
                    ("export", "Export created"),
                    ("role_changed", "Role changed"),
                    ("user_changed", "User changed"),
                    ("login", "Signed in"),
                    ("login_failed", "Failed sign-in attempt"),
                    ("login_locked", "Sign-in locked after too many failed attempts"),
                    ("two_factor_enrolled", "Two-factor sign-in set up"),
                    ("two_factor_reset", "Two-factor sign-in reset"),
                    ("password_set", "Password set by someone else"),
                    ("password_changed", "Password changed"),
                    ("role_grant_acknowledged", "Role grant acknowledged"),
                    ("access_request", "Access request answered"),
                    ("logout", "Signed out"),
                    ("anonymised", "Personal data anonymised"),
                    ("figures_frozen", "Figures recorded"),
                    ("api_token_created", "API token created"),
                    ("api_token_revoked", "API token revoked"),
                    ("api_token_used", "API token used"),
                ],
                max_length=40,
                verbose_name="kind",
            ),
        ),
    ]
