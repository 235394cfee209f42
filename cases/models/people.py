"""People: what is printed about an inspector on letters, what a user must do at sign-in,
and the grants of roles that see melder data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
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


class AccountSecurity(models.Model):
    """What a user must do at the next sign-in: change a password someone else set."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="account_security",
        verbose_name=_("user"),
    )
    must_change_password = models.BooleanField(_("must change password at next sign-in"))

    class Meta:
        verbose_name = _("account security")
        verbose_name_plural = _("account security")

    def __str__(self) -> str:
        return self.user.get_username()


class RoleGrant(models.Model):
    """A role that sees melder data (cases.models.MELDER_DATA_ROLES), granted to someone.
    The team leaders see it on their start page until one of them acknowledges it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="role_grants",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=150)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["granted_at", "pk"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_by__isnull=True, acknowledged_at__isnull=True)
                | Q(acknowledged_by__isnull=False, acknowledged_at__isnull=False),
                name="rolegrant_acknowledged_consistent",
            ),
            models.CheckConstraint(
                condition=~Q(user=models.F("granted_by")), name="rolegrant_not_to_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.user.get_username()}"
