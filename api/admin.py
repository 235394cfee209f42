"""API clients and tokens in the admin: make a client, issue a token (shown once, on the page
that answers the action; never stored or sent in a message), revoke a token."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from api.models import ApiClient, ApiToken, Scope
from api.services import DEFAULT_VALIDITY, create_client, issue_token, revoke_token
from cases.access import acting_user


class ApiClientForm(forms.ModelForm[ApiClient]):
    class Meta:
        model = ApiClient
        fields = ("name", "scope", "user")
        help_texts = {
            "user": _("Only for a person's own token (scope 'user'): the person it acts for."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == Scope.USER and not data.get("user"):
            self.add_error("user", _("Choose the person this token acts for."))
        if data.get("scope") != Scope.USER and data.get("user"):
            self.add_error(
                "user", _("Intake and statistics clients act as a service user of their own.")
            )
        return data


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin[ApiClient]):
    form = ApiClientForm
    list_display = ("name", "scope", "user", "created_at")
    actions = ("issue_token",)

    def get_readonly_fields(self, request: HttpRequest, obj: ApiClient | None = None) -> Any:
        return ("name", "scope", "user", "created_at") if obj else ("created_at",)

    def has_delete_permission(self, request: HttpRequest, obj: ApiClient | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            return
        created = create_client(
            name=obj.name,
            scope=obj.scope,
            actor=acting_user(request),
            user=form.cleaned_data.get("user"),
        )
        obj.pk, obj.user = created.pk, created.user

    @admin.action(description=_("Issue a new token (valid one year)"))
    def issue_token(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> HttpResponse:
        issued = [
            (client, *issue_token(client=client, actor=acting_user(request))) for client in queryset
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("New API tokens"),
            "issued": issued,
            "valid_days": DEFAULT_VALIDITY.days,
        }
        response = TemplateResponse(request, "api/token_issued.html", context)
        response["Cache-Control"] = "no-store"
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("client", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("client__scope",)
    readonly_fields = (
        "client",
        "prefix",
        "created_at",
        "created_by",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    fields = readonly_fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued from their client (the token is shown once)

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    @admin.action(description=_("Revoke"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            revoke_token(token=token, actor=acting_user(request))
        messages.success(request, _("The tokens have been revoked."))
