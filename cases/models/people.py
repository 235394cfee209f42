"""People: what is printed about an inspector on letters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import validators as v


class InspectorProfile(models.Model):
    """Details printed on letters."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspector_profile",
        verbose_name=_("user"),
    )
    function_title = models.CharField(_("job title"), max_length=100, default="Inspecteur")
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[v.validate_phone])
    team = models.CharField(_("team"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("inspector profile")
        verbose_name_plural = _("inspector profiles")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()
