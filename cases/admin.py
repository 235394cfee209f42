"""Django admin for the Functioneel beheerder and supervisors.

The admin never bypasses the workflow: state, version and history are read-only, cases and
events cannot be added or deleted here, users are deactivated instead of deleted, and
edits that matter go through services or write an Event.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from cases import permissions, reference_data, services
from cases.access import acting_user
from cases.events import record_event
from cases.models import (
    Agreement,
    Call,
    Case,
    Employer,
    Event,
    EventKind,
    FigureSnapshot,
    InspectorProfile,
    Letter,
    Melder,
    Sector,
    Topic,
)
from cases.services import accounts

_M = TypeVar("_M", bound=Model)
_Child = TypeVar("_Child", bound=Model)


class NoDeleteMixin(admin.ModelAdmin[_M]):
    """Nothing is deleted here: no delete permission, no bulk delete action."""

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class TopicAdminForm(forms.ModelForm[Topic]):
    class Meta:
        model = Topic
        fields = ["code", "label", "ordering", "active"]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.instance._state.adding:
            # A new topic gets the next free bit in Case.topic_mask, once and for good.
            self.instance.bit = reference_data.next_topic_bit()
        return cleaned


@admin.register(Topic)
class TopicAdmin(NoDeleteMixin[Topic]):
    form = TopicAdminForm
    list_display = ["code", "label", "ordering", "active"]
    list_editable = ["ordering", "active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Topic | None = None) -> list[str]:
        # The code is used in filters, fixtures and counts; it never changes once created.
        return ["code"] if obj else []


@admin.register(Sector)
class SectorAdmin(NoDeleteMixin[Sector]):
    list_display = ["code", "name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Sector | None = None) -> list[str]:
        return ["code"] if obj else []


@admin.register(Employer)
class EmployerAdmin(NoDeleteMixin[Employer]):
    list_display = ["name", "kvk_number", "establishment_number", "visit_city", "sector"]
    list_filter = ["sector"]
    search_fields = ["name", "kvk_number", "visit_city"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Employer, form: Any, change: bool) -> None:
        # Through the service: a changed sector moves the employer's cases along with it.
        services.employer_save(
            employer=obj, actor=acting_user(request), fields=form.changed_data if change else []
        )


@admin.register(InspectorProfile)
class InspectorProfileAdmin(NoDeleteMixin[InspectorProfile]):
    list_display = ["__str__", "function_title", "team", "phone"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team"]
    autocomplete_fields = ["user"]


class InspectorProfileInline(admin.StackedInline[InspectorProfile, User]):
    model = InspectorProfile
    can_delete = False
    extra = 0


admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(NoDeleteMixin[User], UserAdmin[User]):
    """Users are deactivated, never deleted; role and account changes are Events."""

    inlines = [InspectorProfileInline]
    list_display = ["username", "first_name", "last_name", "is_active", "roles"]
    list_filter = ["is_active", "groups"]

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        readonly = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        if obj is not None and obj.pk == request.user.pk:
            # Nobody grants themselves a role or switches their own account off.
            readonly += ["groups", "is_staff", "is_active"]
        return readonly

    actions = ["reset_two_factor"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        fields = sorted(f for f in form.changed_data if f not in {"groups", "password"})
        if fields or "password" in form.changed_data:
            record_event(
                kind=EventKind.USER_CHANGED,
                actor=request.user,
                data={
                    "user_id": obj.pk,
                    "username": obj.username,
                    "fields": fields + (["password"] if "password" in form.changed_data else []),
                },
            )
        if not change:
            # A new account's first password is set by whoever creates it.
            accounts.password_set_by_other(actor=acting_user(request), user=obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        obj: User = form.instance
        # save_model has saved the user; its groups change only here, in the form's save_m2m.
        before = set(obj.groups.values_list("name", flat=True))
        super().save_related(request, form, formsets, change)
        after = set(obj.groups.values_list("name", flat=True))
        # An Event, and the grants of roles that see melder data for the team leaders.
        accounts.roles_changed(actor=acting_user(request), user=obj, before=before, after=after)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Setting someone's password here is an Event, and they must choose a new one at
        their next sign-in."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            accounts.password_set_by_other(actor=acting_user(request), user=user)
        return response

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = acting_user(request)
        done = []
        for user in queryset:
            try:
                accounts.two_factor_reset(actor=actor, user=user)
            except services.ServiceError as exc:
                messages.error(request, exc.message)
            else:
                done.append(user.get_username())
        if done:
            messages.success(
                request,
                _(
                    "Two-factor sign-in reset for: {users}. They set it up again at their next "
                    "sign-in."
                ).format(users=", ".join(done)),
            )


class ReadOnlyInline(admin.TabularInline[_Child, Case]):
    """A case's history on its admin page: shown, never added to, changed or deleted."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False


class CallInline(ReadOnlyInline[Call]):
    model = Call
    fields = readonly_fields = (
        "called_at",
        "caller",
        "reached",
        "contact_name",
        "criteria",
        "employer_response",
    )


class AgreementInline(ReadOnlyInline[Agreement]):
    model = Agreement
    fields = readonly_fields = ("description", "due_date", "status")


class LetterInline(ReadOnlyInline[Letter]):
    model = Letter
    fields = readonly_fields = (
        "number",
        "generated_at",
        "generated_by",
        "template_version",
        "sent_at",
        "sent_via",
    )


class EventInline(ReadOnlyInline[Event]):
    model = Event
    fields = readonly_fields = ("created_at", "actor", "kind", "from_state", "to_state")
    ordering = ["created_at", "pk"]


class MelderInline(ReadOnlyInline[Melder]):
    model = Melder
    fields = readonly_fields = ("name", "email", "phone", "relation")

    def has_view_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        # Not a model permission: who may see the melder is decided per case. CaseAdmin
        # only adds this inline for a case the user may see the melder of; Django asks
        # again without the case when it builds the inline's queryset.
        if obj is None:
            return permissions.is_case_worker(request.user)
        return permissions.can_view_melder(request.user, obj)


class CaseAdminForm(forms.ModelForm[Case]):
    # The version the user saw: a stale page is refused by the service, not overwritten.
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Case
        fields = ["channel", "topics"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "seen_version" in self.fields:
            self.fields["seen_version"].initial = self.instance.version


@admin.register(Case)
class CaseAdmin(NoDeleteMixin[Case]):
    """Cases are read-only here except channel and topics, which go through a service."""

    form = CaseAdminForm
    list_display = ["reference", "received_at", "employer", "state", "outcome", "assignee"]
    list_filter = ["state", "outcome", "channel"]
    search_fields = ["reference", "employer__name", "employer__kvk_number"]
    list_select_related = ["employer", "assignee"]
    filter_horizontal = ["topics"]
    _readonly = [
        "reference",
        "received_at",
        "employer",
        "assignee",
        "state",
        "outcome",
        "main_case",
        "triage_due",
        "call_due",
        "investigated_at",
        "closed_at",
        "version",
        "created_at",
        "created_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        # Whoever may act on the case may correct its channel and topics (through the
        # service); the roles carry no `change_case` model permission.
        if obj is not None and permissions.can_act_on_case(request.user, obj):
            return True
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Case | None = None) -> list[str]:
        readonly = [*self._readonly, "description"]
        if obj is not None and not permissions.can_act_on_case(request.user, obj):
            readonly += ["channel", "topics"]
        return readonly

    def get_fields(self, request: HttpRequest, obj: Case | None = None) -> tuple[str, ...]:
        fields = ["channel", "topics", *self._readonly]
        if obj is not None and permissions.can_act_on_case(request.user, obj):
            fields.insert(2, "seen_version")
        if obj is not None and self._may_see_melder(request, obj):
            fields.append("description")
        return tuple(fields)

    def _may_see_melder(self, request: HttpRequest, obj: Case) -> bool:
        return permissions.can_view_melder(request.user, obj)

    def get_inlines(
        self, request: HttpRequest, obj: Case | None = None
    ) -> tuple[type[ReadOnlyInline[Any]], ...]:
        inlines = (CallInline, AgreementInline, LetterInline, EventInline)
        if obj is not None and self._may_see_melder(request, obj):
            return (MelderInline, *inlines)
        return inlines

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET" and self._may_see_melder(request, obj):
            services.record_melder_view(case=obj, actor=acting_user(request))
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Case, form: Any, change: bool) -> None:
        # Saving happens in save_related, through the service, once topics are known.
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        obj: Case = form.instance
        # The inlines are read-only, so this writes nothing; the admin's change message
        # needs the saved formsets. Topics are not saved from the form: the service does it.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        try:
            services.case_update_details(
                case=obj.pk,
                actor=acting_user(request),
                version=form.cleaned_data["seen_version"],
                channel=form.cleaned_data.get("channel"),
                topic_codes=[t.code for t in form.cleaned_data.get("topics", [])],
            )
        except (services.ServiceError, ValidationError) as exc:
            text = (
                exc.message if isinstance(exc, services.ServiceError) else "; ".join(exc.messages)
            )
            messages.error(request, text)
            # Read by response_change below; HttpRequest declares no such attribute.
            request._case_save_failed = True  # type: ignore[attr-defined]

    def response_change(self, request: HttpRequest, obj: Case) -> HttpResponse:
        if getattr(request, "_case_save_failed", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


class HistoryAdmin(admin.ModelAdmin[_M]):
    """History and evidence: readable, never added, changed or deleted here."""

    def get_readonly_fields(self, request: HttpRequest, obj: _M | None = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(HistoryAdmin[Event]):
    list_display = ["created_at", "kind", "actor", "case", "from_state", "to_state"]
    list_filter = ["kind"]
    search_fields = ["case__reference", "actor__username"]
    list_select_related = ["actor", "case"]


@admin.register(FigureSnapshot)
class FigureSnapshotAdmin(HistoryAdmin[FigureSnapshot]):
    """Recorded figures are evidence of what was reported."""

    list_display = ["created_at", "created_by", "label", "received", "investigated"]
    list_select_related = ["created_by"]
