"""The validation catalogue (QUALITY.md, "Reliability"): bad input gives a Dutch message on
the right field and changes nothing; the database refuses what slips past the code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from cases import services
from cases.models import (
    Agreement,
    Call,
    Case,
    Employer,
    Event,
    Letter,
    Melder,
    Outcome,
    ReferenceCounter,
    State,
    Topic,
)
from cases.services import EmployerInput, MelderInput
from tests.factories import EmployerFactory
from tests.helpers import AMS, REPORTED, case_in_state, fresh, intake

# PostgreSQL refuses a value longer than the column with DataError before checking constraints.
REFUSED_BY_DB = (IntegrityError, DataError)

KVK_MESSAGE = "Een KvK-nummer bestaat uit precies 8 cijfers (0-9)."
ESTABLISHMENT_MESSAGE = "Een vestigingsnummer bestaat uit precies 12 cijfers (0-9)."
POSTCODE_MESSAGE = "Vul een Nederlandse postcode in, bijvoorbeeld 2511 DP."
PHONE_MESSAGE = "Vul een geldig Nederlands telefoonnummer in, bijvoorbeeld 070 333 44 44."
REQUIRED = "Dit veld is verplicht."

pytestmark = pytest.mark.django_db


# The valid melding each refusal below changes one thing of: as a melder reports it, naming
# the employer without identifying it, with the melder's own contact details.
intake_as_reported = partial(
    intake,
    description="Ik moet van mijn werkgever elke dag naar kantoor komen.",
    reported_employer=REPORTED,
    melder=MelderInput(name="Jan Jansen", email="jan@example.nl"),
)


def counts() -> dict[str, Any]:
    return {
        "cases": Case.objects.count(),
        "employers": list(Employer.objects.order_by("pk").values()),
        "events": Event.objects.count(),
        "melders": Melder.objects.count(),
        "calls": Call.objects.count(),
        "agreements": Agreement.objects.count(),
        "letters": Letter.objects.count(),
        "counters": list(ReferenceCounter.objects.order_by("year").values_list()),
    }


@pytest.fixture
def baseline(inspector: User) -> Case:
    """One registered melding, so the reference counter exists before each refusal."""
    return intake_as_reported(inspector)


@contextmanager
def nothing_saved(field: str, message: str | None = None) -> Iterator[Any]:
    before = counts()
    with pytest.raises(ValidationError) as info:
        yield info
    assert counts() == before
    errors = info.value.message_dict
    assert field in errors, errors
    if message is not None:
        assert any(message in m for m in errors[field]), errors[field]


# ---------------------------------------------------------------------------
# KvK and vestigingsnummer


BAD_KVK = [
    pytest.param("1234567", id="7-digits"),
    pytest.param("123456789", id="9-digits"),
    pytest.param("1234567a", id="letter"),
    pytest.param("1234 567", id="space"),
    pytest.param("١٢٣٤٥٦٧٨", id="arabic-indic"),
    pytest.param("１２３４５６７８", id="fullwidth"),
    pytest.param("۱۲۳۴۵۶۷۸", id="persian"),
]


@pytest.mark.parametrize("kvk", BAD_KVK)
def test_intake_refuses_invalid_kvk(kvk: str, inspector: User, baseline: Case) -> None:
    with nothing_saved("kvk_number", KVK_MESSAGE):
        intake_as_reported(
            inspector, reported_employer=EmployerInput(name="Werkgever B.V.", kvk_number=kvk)
        )


@pytest.mark.parametrize("kvk", BAD_KVK)
def test_employer_full_clean_refuses_invalid_kvk(kvk: str) -> None:
    employer = Employer(name="Werkgever B.V.", kvk_number=kvk)
    with pytest.raises(ValidationError) as info:
        employer.full_clean()
    assert KVK_MESSAGE in info.value.message_dict["kvk_number"]


@pytest.mark.parametrize("kvk", BAD_KVK)
def test_identify_employer_refuses_invalid_kvk(kvk: str, inspector: User) -> None:
    case = case_in_state(
        State.RECEIVED, inspector=inspector, reported_employer=EmployerInput(name="X", city="Delft")
    )
    with nothing_saved("kvk_number", KVK_MESSAGE):
        services.case_identify_employer(
            case=case, actor=inspector, version=case.version, kvk_number=kvk
        )


BAD_ESTABLISHMENT = [
    pytest.param("12345678901", id="11-digits"),
    pytest.param("1234567890123", id="13-digits"),
    pytest.param("12345678901a", id="letter"),
    pytest.param("١٢٣٤٥٦٧٨٩٠١٢", id="arabic-indic"),
    pytest.param("１２３４５６７８９０１２", id="fullwidth"),
]


@pytest.mark.parametrize("number", BAD_ESTABLISHMENT)
def test_intake_refuses_invalid_establishment_number(
    number: str, inspector: User, baseline: Case
) -> None:
    reported = EmployerInput(name="W B.V.", kvk_number="12345678", establishment_number=number)
    with nothing_saved("establishment_number", ESTABLISHMENT_MESSAGE):
        intake_as_reported(inspector, reported_employer=reported)


@pytest.mark.parametrize("number", BAD_ESTABLISHMENT)
def test_employer_full_clean_refuses_invalid_establishment_number(number: str) -> None:
    employer = Employer(name="W B.V.", kvk_number="12345678", establishment_number=number)
    with pytest.raises(ValidationError) as info:
        employer.full_clean()
    assert "establishment_number" in info.value.message_dict


def test_establishment_number_needs_kvk(inspector: User, baseline: Case) -> None:
    reported = EmployerInput(name="W B.V.", establishment_number="000012345678")
    with nothing_saved("establishment_number", "hoort bij een KvK-nummer"):
        intake_as_reported(inspector, reported_employer=reported)
    with pytest.raises(ValidationError) as info:
        Employer(name="W B.V.", establishment_number="000012345678").full_clean()
    assert "establishment_number" in info.value.message_dict


def test_valid_kvk_and_establishment_are_accepted(inspector: User) -> None:
    reported = EmployerInput(
        name="W B.V.", kvk_number=" 01234567 ", establishment_number="000012345678"
    )
    case = intake_as_reported(inspector, reported_employer=reported)
    employer = fresh(case).employer
    assert (employer.kvk_number, employer.establishment_number) == ("01234567", "000012345678")
    # The same KvK+vestiging at a later intake links the same employer.
    again = intake_as_reported(inspector, reported_employer=reported)
    assert fresh(again).employer_id == employer.pk


# ---------------------------------------------------------------------------
# Postcode


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("2511vx", "2511 VX"), (" 2511  vx ", "2511 VX"), ("2511 VX", "2511 VX"), ("", "")],
)
def test_postcode_is_normalised(raw: str, normalised: str) -> None:
    employer = Employer(name="W", visit_postcode=raw, postal_postcode=raw)
    employer.clean()
    assert (employer.visit_postcode, employer.postal_postcode) == (normalised, normalised)
    employer = Employer(name="W", visit_postcode=raw, postal_postcode=raw)
    employer.full_clean()  # the admin and forms validate this way
    assert (employer.visit_postcode, employer.postal_postcode) == (normalised, normalised)


BAD_POSTCODES = [
    pytest.param("0123 AB", id="leading-zero"),
    pytest.param("2511 V", id="one-letter"),
    pytest.param("2511 VXX", id="three-letters"),
    pytest.param("251 VX", id="three-digits"),
    pytest.param("ABCD EF", id="letters"),
    pytest.param("２５１１ VX", id="fullwidth"),
    pytest.param("2511 ÄB", id="umlaut"),
]


@pytest.mark.parametrize("postcode", BAD_POSTCODES)
@pytest.mark.parametrize("field", ["visit_postcode", "postal_postcode"])
def test_full_clean_refuses_invalid_postcode(postcode: str, field: str) -> None:
    employer = Employer(name="W", **{field: postcode})
    with pytest.raises(ValidationError) as info:
        employer.full_clean()
    assert POSTCODE_MESSAGE in info.value.message_dict[field]


NEVER_ISSUED = [pytest.param(f"1234 {pair}", id=pair) for pair in ("SA", "SD", "SS")]
NEVER_ISSUED_MESSAGE = "Postcodes met de letters SA, SD of SS bestaan niet. Controleer de postcode."


@pytest.mark.parametrize("postcode", [*NEVER_ISSUED, pytest.param("1234 sd", id="sd-lower")])
def test_letter_pairs_that_are_never_issued_are_refused(postcode: str) -> None:
    employer = Employer(name="W", visit_postcode=postcode)
    with pytest.raises(ValidationError) as info:
        employer.full_clean()
    assert info.value.message_dict["visit_postcode"] == [NEVER_ISSUED_MESSAGE]


@pytest.mark.parametrize("postcode", ["1234 SB", "1234 SC", "1234 SE", "1234 ST", "1234 AS"])
def test_other_pairs_with_an_s_are_postcodes(postcode: str) -> None:
    Employer(name="W", visit_postcode=postcode, postal_postcode=postcode).full_clean()


@pytest.mark.parametrize(
    "postcode",
    [*BAD_POSTCODES, *NEVER_ISSUED, pytest.param("2511vx", id="unnormalised")],
)
def test_database_refuses_invalid_postcode(postcode: str) -> None:
    employer = EmployerFactory()
    with pytest.raises(REFUSED_BY_DB), transaction.atomic():
        Employer.objects.filter(pk=employer.pk).update(visit_postcode=postcode)
    employer.postal_postcode = postcode
    with pytest.raises(REFUSED_BY_DB), transaction.atomic():
        employer.save()
    assert Employer.objects.get(pk=employer.pk).postal_postcode == ""


# ---------------------------------------------------------------------------
# Melder: email and phone


@pytest.mark.parametrize(
    "email",
    ["geen-adres", "jan@", "@example.nl", "jan@@example.nl", "jan jansen@example.nl", "jan@b"],
)
def test_intake_refuses_invalid_email(email: str, inspector: User, baseline: Case) -> None:
    with nothing_saved("melder_email", "Vul een geldig e-mailadres in."):
        intake_as_reported(inspector, melder=MelderInput(name="Jan", email=email))


def test_intake_refuses_email_longer_than_the_column(inspector: User, baseline: Case) -> None:
    email = "j" * 250 + "@example.nl"  # syntactically valid, longer than 254 characters
    with nothing_saved("melder_email"):
        intake_as_reported(inspector, melder=MelderInput(name="Jan", email=email))


@pytest.mark.parametrize(
    "phone",
    [
        "12345",
        "06-1234567",  # 9 digits
        "061234567890",  # 12 digits
        "+32 470 12 34 56",  # Belgian
        "٠٦١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "０６１２３４５６７８",  # fullwidth digits
        "06 1234567x",
    ],
)
def test_intake_refuses_invalid_phone(phone: str, inspector: User, baseline: Case) -> None:
    with nothing_saved("melder_phone", PHONE_MESSAGE):
        intake_as_reported(inspector, melder=MelderInput(name="Jan", phone=phone))


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("06 12 34 56 78", "0612345678"),
        ("070-333 44 44", "0703334444"),
        ("+31 6 12345678", "+31612345678"),
    ],
)
def test_intake_normalises_valid_phone(phone: str, stored: str, inspector: User) -> None:
    case = intake_as_reported(inspector, melder=MelderInput(name="Jan", phone=phone))
    assert Melder.objects.get(case=case).phone == stored


def test_employer_full_clean_refuses_invalid_contact_data() -> None:
    employer = Employer(name="W", contact_email="hr@", contact_phone="12345")
    with pytest.raises(ValidationError) as info:
        employer.full_clean()
    errors = info.value.message_dict
    assert errors["contact_phone"] == [PHONE_MESSAGE]
    assert errors["contact_email"] == ["Voer een geldig e-mailadres in."]


def test_melder_without_any_contact_data(inspector: User, baseline: Case) -> None:
    with nothing_saved("melder_name", "anoniem"):
        intake_as_reported(inspector, melder=MelderInput(name="  ", email="", phone=" "))


# ---------------------------------------------------------------------------
# Received date


@pytest.mark.parametrize(
    ("received_at", "message"),
    [
        pytest.param(lambda: timezone.now() + dt.timedelta(hours=1), "toekomst", id="future"),
        pytest.param(lambda: timezone.now() + dt.timedelta(days=400), "toekomst", id="next-year"),
        pytest.param(
            lambda: dt.datetime(2019, 12, 31, 22, 59, 59, tzinfo=dt.UTC),  # 23:59:59 local
            "vóór 01-01-2020",
            id="last-second-of-2019",
        ),
        pytest.param(lambda: dt.datetime(2015, 6, 1, 12, 0, tzinfo=AMS), "vóór", id="2015"),
        pytest.param(lambda: None, REQUIRED, id="missing"),
        pytest.param(lambda: dt.datetime(2021, 4, 1, 12, 0), "tijdzone", id="naive"),
    ],
)
def test_intake_refuses_bad_received_at(
    received_at: Any, message: str, inspector: User, baseline: Case
) -> None:
    with nothing_saved("received_at", message):
        intake_as_reported(inspector, received_at=received_at())


def test_intake_accepts_first_moment_of_2020_in_amsterdam(inspector: User) -> None:
    moment = dt.datetime(2019, 12, 31, 23, 0, tzinfo=dt.UTC)  # 00:00 on 1 January 2020 local
    case = intake_as_reported(inspector, received_at=moment)
    assert fresh(case).received_at == moment


def test_agreement_due_date_in_the_past(inspector: User) -> None:
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    with nothing_saved("due_date", "De uiterste datum mag niet in het verleden liggen."):
        services.agreement_add(
            case=case,
            actor=inspector,
            version=case.version,
            description="Thuiswerken",
            due_date=timezone.localdate() - dt.timedelta(days=1),
        )


# ---------------------------------------------------------------------------
# Topics, channel, required fields, long texts


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ([], "Kies ten minste één onderwerp."),
        (["bestaat_niet"], "Onbekend onderwerp: bestaat_niet."),
        (["niet_mogen_thuiswerken", "onzin"], "Onbekend onderwerp: onzin."),
        (["<script>"], "Onbekend onderwerp"),
    ],
    ids=["empty", "unknown", "one-unknown", "html"],
)
def test_intake_refuses_bad_topics(
    codes: list[str], message: str, inspector: User, baseline: Case
) -> None:
    with nothing_saved("topics", message):
        intake_as_reported(inspector, topic_codes=codes)


def test_intake_refuses_inactive_topic(inspector: User, baseline: Case) -> None:
    Topic.objects.filter(code="werkdruk").update(active=False)
    with nothing_saved("topics", "Onbekend onderwerp: werkdruk."):
        intake_as_reported(inspector, topic_codes=["werkdruk"])


@pytest.mark.parametrize("channel", ["", "fax", "WEBFORMULIER"])
def test_intake_refuses_unknown_channel(channel: str, inspector: User, baseline: Case) -> None:
    with nothing_saved("channel", "Kies een kanaal."):
        intake_as_reported(inspector, channel=channel)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"description": ""}, "description", REQUIRED),
        ({"description": " \n\t "}, "description", REQUIRED),
        ({"reported_employer": None}, "employer_name", "Vul de werkgever in."),
        (
            {"reported_employer": EmployerInput(name="  ", city="Utrecht")},
            "employer_name",
            "Vul de naam van de werkgever in.",
        ),
    ],
    ids=["description", "description-blank", "no-employer", "employer-name-blank"],
)
def test_intake_refuses_empty_required_fields(
    overrides: dict[str, Any], field: str, message: str, inspector: User, baseline: Case
) -> None:
    with nothing_saved(field, message):
        intake_as_reported(inspector, **overrides)


HUNDRED_KB = "a" * 100_000


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": HUNDRED_KB}, "description"),
        ({"reported_employer": EmployerInput(name=HUNDRED_KB)}, "employer_name"),
        ({"reported_employer": EmployerInput(name="W", city=HUNDRED_KB)}, "employer_city"),
        ({"melder": MelderInput(name=HUNDRED_KB)}, "melder_name"),
        ({"melder": MelderInput(name="Jan", relation=HUNDRED_KB)}, "melder_relation"),
    ],
    ids=["description", "employer-name", "employer-city", "melder-name", "melder-relation"],
)
def test_intake_refuses_100_kb_texts(
    overrides: dict[str, Any], field: str, inspector: User, baseline: Case
) -> None:
    with nothing_saved(field, "Gebruik maximaal"):
        intake_as_reported(inspector, **overrides)


def test_intake_reports_all_errors_at_once(inspector: User, baseline: Case) -> None:
    before = counts()
    with pytest.raises(ValidationError) as info:
        intake_as_reported(
            inspector,
            received_at=None,
            channel="fax",
            topic_codes=[],
            description="",
            reported_employer=EmployerInput(name="", kvk_number="123"),
            melder=MelderInput(email="x", phone="1"),
        )
    assert counts() == before
    assert set(info.value.message_dict) == {
        "received_at",
        "channel",
        "topics",
        "description",
        "employer_name",
        "kvk_number",
        "melder_email",
        "melder_phone",
    }


def test_text_limit_is_inclusive(inspector: User) -> None:
    case = intake_as_reported(inspector, description="b" * 10_000)
    assert len(fresh(case).description) == 10_000


# ---------------------------------------------------------------------------
# HTML and unicode: stored verbatim (escaping is the templates' job)


def test_html_is_stored_verbatim(inspector: User) -> None:
    html = '<script>alert("melder")</script><img src=x onerror=alert(1)> & "quotes" \'x\''
    case = intake_as_reported(
        inspector,
        description=html,
        reported_employer=EmployerInput(name="<b>Werkgever</b> & Zn.", city="<i>Delft</i>"),
        melder=MelderInput(name="<script>x</script>", relation="<u>collega</u>"),
    )
    case = fresh(case)
    assert case.description == html
    assert case.employer.name == "<b>Werkgever</b> & Zn."
    assert case.employer.visit_city == "<i>Delft</i>"
    melder = Melder.objects.get(case=case)
    assert (melder.name, melder.relation) == ("<script>x</script>", "<u>collega</u>")


def test_unicode_is_accepted(inspector: User) -> None:
    description = "Zoë moet naar kantoor 😷 — «niet thuiswerken» · 在家工作 · العمل من المنزل"
    case = intake_as_reported(
        inspector,
        description=description,
        reported_employer=EmployerInput(name="Café Ĳsselmeer & Söhne 🍞 B.V.", city="Ĳsselstein"),
        melder=MelderInput(name="Renée Çelik-Øygård 🙂", email="renee@example.nl"),
    )
    case = fresh(case)
    assert case.description == description
    assert case.employer.name == "Café Ĳsselmeer & Söhne 🍞 B.V."
    assert case.employer.visit_city == "Ĳsselstein"
    assert Melder.objects.get(case=case).name == "Renée Çelik-Øygård 🙂"


# ---------------------------------------------------------------------------
# Database constraints


def test_unique_kvk_and_establishment() -> None:
    Employer.objects.create(name="A", kvk_number="12345678")
    Employer.objects.create(
        name="A vestiging", kvk_number="12345678", establishment_number="0" * 12
    )
    Employer.objects.create(name="Zonder KvK")
    Employer.objects.create(name="Zonder KvK")  # as-reported employers may repeat
    with pytest.raises(IntegrityError), transaction.atomic():
        Employer.objects.create(name="B", kvk_number="12345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        Employer.objects.create(name="C", kvk_number="12345678", establishment_number="0" * 12)
    with pytest.raises(ValidationError) as info:
        Employer(name="B", kvk_number="12345678").full_clean()
    assert info.value.messages == [
        "Er bestaat al een werkgever met dit KvK-nummer en vestigingsnummer."
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"kvk_number": "1234567"},
        {"kvk_number": "١٢٣٤٥٦٧٨"},
        {"kvk_number": "abcdefgh"},
        {"establishment_number": "123"},
        {"kvk_number": None, "establishment_number": "000012345678"},
    ],
    ids=["kvk-7", "kvk-arabic", "kvk-letters", "vestiging-3", "vestiging-without-kvk"],
)
def test_database_refuses_invalid_employer_numbers(changes: dict[str, Any]) -> None:
    employer = EmployerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Employer.objects.filter(pk=employer.pk).update(**changes)


@pytest.mark.parametrize(
    ("state", "changes"),
    [
        (State.RECEIVED, {"outcome": Outcome.INGETROKKEN}),
        (State.UNDER_INVESTIGATION, {"outcome": Outcome.WERKGEVER_ONBEREIKBAAR}),
        (State.CLOSED, {"outcome": ""}),
        (State.RECEIVED, {"state": State.CLOSED}),
        (State.CLOSED, {"state": State.UNDER_INVESTIGATION}),  # no investigated_at
        (State.UNDER_INVESTIGATION, {"investigated_at": None}),
        (State.RECEIVED, {"state": "archived"}),
        (State.CLOSED, {"outcome": "opgelost"}),
        (State.RECEIVED, {"version": 0}),
        (State.CLOSED, {"main_case_id": "self"}),
    ],
    ids=[
        "outcome-on-open",
        "outcome-on-investigated",
        "closed-without-outcome",
        "closed-without-outcome-2",
        "investigated-without-date",
        "investigated-at-cleared",
        "unknown-state",
        "unknown-outcome",
        "version-0",
        "main-case-self",
    ],
)
def test_database_refuses_inconsistent_case(
    state: str, changes: dict[str, Any], inspector: User
) -> None:
    case = case_in_state(state, inspector=inspector)
    if changes.get("main_case_id") == "self":
        changes = {"main_case_id": case.pk, "outcome": Outcome.DUBBELE_MELDING}
    before = Case.objects.filter(pk=case.pk).values().get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(**changes)
    assert Case.objects.filter(pk=case.pk).values().get() == before


def test_database_refuses_main_case_on_non_duplicate(inspector: User) -> None:
    case = case_in_state(State.CLOSED, inspector=inspector)  # outcome ingetrokken
    other = case_in_state(State.RECEIVED, inspector=inspector)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(main_case=other)


@pytest.mark.parametrize(
    "reference",
    [
        "TW-21-00001",
        "tw-2021-00001",
        "TW-2021-0001",
        "TW-2021-000001",
        "TW-2021-0000١",
        "XX-2021-00001",
    ],
)
def test_database_refuses_bad_reference(reference: str, inspector: User) -> None:
    case = case_in_state(State.RECEIVED, inspector=inspector)
    with pytest.raises(REFUSED_BY_DB), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(reference=reference)
    assert fresh(case).reference == case.reference


def test_database_refuses_duplicate_reference(inspector: User) -> None:
    first = case_in_state(State.RECEIVED, inspector=inspector)
    second = case_in_state(State.RECEIVED, inspector=inspector)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=second.pk).update(reference=first.reference)


def test_database_refuses_inconsistent_call(inspector: User) -> None:
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    call = case.calls.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.filter(pk=call.pk).update(employer_response="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.filter(pk=call.pk).update(reached=False)
