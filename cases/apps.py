from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases import reference_data, signals

        post_migrate.connect(reference_data.ensure_reference_data, sender=self)
        post_save.connect(signals.advance_counter_on_raw_save, sender="cases.Case")
        signals.connect_auth_signals()
