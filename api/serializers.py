"""What the API reads and writes. Field names are English; people read Dutch labels.

Melder data and the melding's text appear only in `CaseDetailSerializer`, and only when
`cases.permissions.can_view_melder` allows (the view records that read as an Event).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Call, Case, Channel, Event, Letter
from cases.services import EmployerInput, MelderInput
from cases.types import Actor

if TYPE_CHECKING:
    Base = serializers.Serializer[Any]
else:
    Base = serializers.Serializer

# ---------------------------------------------------------------------------
# Intake


class EmployerInSerializer(Base):
    """The employer by KvK number (with an optional establishment number), or as the melder
    reported it (name and city)."""

    kvk_number = serializers.CharField(required=False, allow_blank=True, max_length=20)
    establishment_number = serializers.CharField(required=False, allow_blank=True, max_length=20)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)


class MelderInSerializer(Base):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    email = serializers.CharField(required=False, allow_blank=True, max_length=320)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    relation = serializers.CharField(required=False, allow_blank=True, max_length=200)


class IntakeSerializer(Base):
    received_at = serializers.DateTimeField(
        required=False, help_text="When the melding was received; defaults to now."
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text="Defaults to webformulier; an intake token always registers webformulier.",
    )
    topics = serializers.ListField(child=serializers.CharField(max_length=50))
    description = serializers.CharField(allow_blank=True, max_length=100_000)
    employer = EmployerInSerializer()
    melder = MelderInSerializer(
        allow_null=True, help_text="The person who reports, or null for an anonymous melding."
    )

    def service_input(self) -> dict[str, Any]:
        """Keyword arguments for `services.case_intake` (besides actor, received_at and
        channel, which the view decides)."""
        data = self.validated_data
        employer = data["employer"]
        melder = data["melder"]
        return {
            "topic_codes": list(data["topics"]),
            "description": data["description"],
            "reported_employer": EmployerInput(
                name=employer.get("name", ""),
                city=employer.get("city", ""),
                kvk_number=employer.get("kvk_number", ""),
                establishment_number=employer.get("establishment_number", ""),
            ),
            "melder": None if melder is None else MelderInput(**melder),
        }


# The intake service names its input errors after the web form's fields.
INTAKE_ERROR_FIELDS = {
    "employer_name": "employer.name",
    "employer_city": "employer.city",
    "kvk_number": "employer.kvk_number",
    "establishment_number": "employer.establishment_number",
    "melder_name": "melder.name",
    "melder_email": "melder.email",
    "melder_phone": "melder.phone",
    "melder_relation": "melder.relation",
}


class IntakeResultSerializer(Base):
    """What a registration answers: never anything of the melder."""

    reference = serializers.CharField()
    received_at = serializers.DateTimeField()


# ---------------------------------------------------------------------------
# Cases


class ContactPersonSerializer(Base):
    """A contact person in structured form (the letter's salutation is made from it)."""

    form_of_address = serializers.CharField(
        source="contact_form_of_address", help_text="heer, mevrouw, neutral or empty (unknown)"
    )
    title = serializers.CharField(source="contact_title")
    initials = serializers.CharField(source="contact_initials", help_text="or a first name")
    tussenvoegsel = serializers.CharField(source="contact_tussenvoegsel")
    surname = serializers.CharField(source="contact_surname")
    name = serializers.CharField(
        source="contact_name", help_text="as screens show the person: de heer V. Wouters"
    )


class EmployerSerializer(Base):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kvk_number = serializers.CharField(allow_null=True)
    establishment_number = serializers.CharField()
    city = serializers.CharField(source="visit_city")
    sector = serializers.CharField(source="sector_id", allow_null=True)
    identified = serializers.BooleanField(source="is_identified")
    contact = ContactPersonSerializer(source="*")


class EstablishmentSerializer(Base):
    id = serializers.IntegerField()
    name = serializers.CharField()
    establishment_number = serializers.CharField()
    address = serializers.CharField(source="visit_address")


class EmployerLookupSerializer(Base):
    """The registered employers (establishments) with one KvK number."""

    kvk_number = serializers.CharField()
    employers = EstablishmentSerializer(many=True)


class PersonSerializer(Base):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Actor) -> str:
        return str(user.get_full_name() or user.get_username())


class CaseSummarySerializer(Base):
    reference = serializers.CharField()
    url = serializers.SerializerMethodField()
    received_at = serializers.DateTimeField()
    channel = serializers.CharField()
    topics = serializers.SerializerMethodField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    outcome = serializers.CharField()
    employer = EmployerSerializer()
    assignee = PersonSerializer(allow_null=True)
    deadline = serializers.DateField(source="current_deadline", allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")
    version = serializers.IntegerField()

    def get_url(self, case: Case) -> str:
        return reverse("api:case", args=[case.reference])

    def get_topics(self, case: Case) -> list[str]:
        return [topic.code for topic in case.topics.all()]


class CasePageSerializer(Base):
    """One page of a list: `next` and `previous` are the URLs of the pages beside it."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CaseSummarySerializer(many=True)


class DeadlineSerializer(Base):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label; DRF's metaclass moves it
    due = serializers.DateField()
    current = serializers.BooleanField()
    overdue = serializers.BooleanField()


class CallSerializer(Base):
    called_at = serializers.DateTimeField()
    caller = PersonSerializer()
    reached = serializers.BooleanField()
    contact_name = serializers.CharField(help_text="the person spoken to, as screens show them")
    contact = ContactPersonSerializer(source="*", help_text="the person spoken to")
    criteria = serializers.ListField(child=serializers.CharField())
    employer_response = serializers.CharField()
    measures = serializers.CharField()
    notes = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_notes(self, call: Call) -> str | None:
        """Call notes, like the melding's text, only for who may see the melder."""
        return call.notes if self.context.get("show_melder") else None


class AgreementSerializer(Base):
    id = serializers.IntegerField()
    description = serializers.CharField()
    due_date = serializers.DateField()
    status = serializers.CharField()
    overdue = serializers.BooleanField(source="is_overdue")


class LetterSerializer(Base):
    number = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    sent_at = serializers.DateField(allow_null=True)
    sent_via = serializers.CharField()
    download = serializers.SerializerMethodField()

    def get_download(self, letter: Letter) -> str:
        return reverse("api:letter", args=[letter.case.reference, letter.number])


class MelderSerializer(Base):
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    relation = serializers.CharField()


class AllowedActionSerializer(Base):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label; DRF's metaclass moves it
    method = serializers.CharField()
    url = serializers.CharField()


class CaseDetailSerializer(CaseSummarySerializer):
    """A case as its page shows it. `description` and `melder` are present only for who
    may see them (else null); `melder` is also null for an anonymous melding, with
    `anonymous` true."""

    investigated_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    deadlines = DeadlineSerializer(many=True)
    main_case = serializers.SerializerMethodField()
    bundle_lead = serializers.SerializerMethodField()
    bundled = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    anonymous = serializers.SerializerMethodField()
    melder = serializers.SerializerMethodField()
    calls = CallSerializer(many=True, source="calls.all")
    agreements = AgreementSerializer(many=True, source="agreements.all")
    letters = LetterSerializer(many=True, source="letters.all")
    allowed_actions = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_main_case(self, case: Case) -> str | None:
        visible: set[int] = self.context.get("visible_ids", set())
        return case.main_case.reference if case.main_case_id in visible and case.main_case else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_bundle_lead(self, case: Case) -> str | None:
        """The lead this case is handled together with (its call, agreements and letter)."""
        visible: set[int] = self.context.get("visible_ids", set())
        lead = case.bundle_lead if case.bundle_lead_id in visible else None
        return lead.reference if lead else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_bundled(self, case: Case) -> list[str]:
        """The cases handled together with this one (the lead) that the caller may see."""
        visible: set[int] = self.context.get("visible_ids", set())
        bundled: dict[int, str] = self.context.get("bundled", {})
        return [reference for pk, reference in bundled.items() if pk in visible]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_description(self, case: Case) -> str | None:
        return case.description if self.context.get("show_melder") else None

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_anonymous(self, case: Case) -> bool | None:
        if not self.context.get("show_melder"):
            return None
        return not hasattr(case, "melder")

    @extend_schema_field(MelderSerializer(allow_null=True))
    def get_melder(self, case: Case) -> dict[str, Any] | None:
        if not self.context.get("show_melder") or not hasattr(case, "melder"):
            return None
        return dict(MelderSerializer(case.melder).data)

    @extend_schema_field(AllowedActionSerializer(many=True))
    def get_allowed_actions(self, case: Case) -> list[dict[str, Any]]:
        return list(self.context.get("allowed_actions", []))


class EventSerializer(Base):
    at = serializers.DateTimeField(source="created_at")
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")  # type: ignore[assignment]  # a field named label; DRF's metaclass moves it
    actor = PersonSerializer(allow_null=True)
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    details = serializers.SerializerMethodField()

    def get_details(self, event: Event) -> list[str]:
        from cases.templatetags.case_tags import event_details

        return event_details(event, self.context.get("people", {}))
