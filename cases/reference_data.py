"""Reference data and roles, created idempotently after every migrate (and test flush)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Max
from django.utils.translation import gettext as _

from cases.models import Role, Sector, Topic
from cases.models.reference import MAX_TOPIC_BIT

TOPICS: list[tuple[str, str]] = [
    ("niet_mogen_thuiswerken", "Niet mogen thuiswerken"),
    ("thuiswerkplek", "Arbo-omstandigheden thuiswerkplek"),
    ("afstand_op_locatie", "Geen 1,5 meter afstand op locatie"),
    ("hygiene_op_locatie", "Hygiënemaatregelen op locatie"),
    ("werkdruk", "Werkdruk / psychosociale arbeidsbelasting"),
    ("overig", "Overig"),
]

# Each topic's bit in Case.topic_mask, given once and never changed (it is stored in every
# case). Topics added later in the admin get the next free bit (next_topic_bit).
TOPIC_BITS: dict[str, int] = {
    "niet_mogen_thuiswerken": 0,
    "thuiswerkplek": 1,
    "afstand_op_locatie": 2,
    "hygiene_op_locatie": 3,
    "werkdruk": 4,
    "overig": 5,
}

# SBI 2008 sections.
SECTORS: list[tuple[str, str]] = [
    ("A", "Landbouw, bosbouw en visserij"),
    ("B", "Delfstoffenwinning"),
    ("C", "Industrie"),
    ("D", "Productie en distributie van energie"),
    ("E", "Winning en distributie van water; afval- en afvalwaterbeheer"),
    ("F", "Bouwnijverheid"),
    ("G", "Groot- en detailhandel; reparatie van auto's"),
    ("H", "Vervoer en opslag"),
    ("I", "Logies-, maaltijd- en drankverstrekking"),
    ("J", "Informatie en communicatie"),
    ("K", "Financiële instellingen"),
    ("L", "Verhuur van en handel in onroerend goed"),
    ("M", "Advisering, onderzoek en overige specialistische zakelijke dienstverlening"),
    ("N", "Verhuur van roerende goederen en overige zakelijke dienstverlening"),
    ("O", "Openbaar bestuur, overheidsdiensten en verplichte sociale verzekeringen"),
    ("P", "Onderwijs"),
    ("Q", "Gezondheids- en welzijnszorg"),
    ("R", "Cultuur, sport en recreatie"),
    ("S", "Overige dienstverlening"),
    ("T", "Huishoudens als werkgever"),
    ("U", "Extraterritoriale organisaties en lichamen"),
]

_CASE_WORK = [
    "cases.act_on_case",
    "cases.add_case",
    "cases.view_case",
    "cases.view_employer",
    "cases.add_employer",
    "cases.view_topic",
    "cases.view_sector",
    "cases.view_agreement",
    "cases.view_call",
    "cases.view_letter",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.INSPECTEUR: _CASE_WORK,
    Role.TEAMLEIDER: [
        *_CASE_WORK,
        "cases.supervise_cases",
        "cases.view_event",
        "cases.view_figuresnapshot",
    ],
    Role.FUNCTIONEEL_BEHEERDER: [
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "cases.view_topic",
        "cases.add_topic",
        "cases.change_topic",
        "cases.view_sector",
        "cases.add_sector",
        "cases.change_sector",
        "cases.view_employer",
        "cases.add_employer",
        "cases.change_employer",
        "cases.view_inspectorprofile",
        "cases.add_inspectorprofile",
        "cases.change_inspectorprofile",
        "cases.view_case",
        "cases.view_event",
        # API clients and their tokens (the token itself is shown once, when issued).
        "api.view_apiclient",
        "api.add_apiclient",
        "api.view_apitoken",
        "api.change_apitoken",
    ],
    # Audits who viewed melder data and answers AVG access requests; handles no cases.
    Role.PRIVACYFUNCTIONARIS: ["cases.audit_personal_data"],
}


def _permissions(codes: list[str]) -> list[Permission]:
    found = []
    for code in codes:
        app_label, codename = code.split(".", 1)
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def next_topic_bit(using: str = DEFAULT_DB_ALIAS) -> int:
    """The bit for a new topic: the next one after every bit given so far (never one given
    before, and none of the reserved bits of TOPIC_BITS)."""
    highest = Topic.objects.using(using).aggregate(highest=Max("bit"))["highest"]
    bit = max(len(TOPIC_BITS), (highest if highest is not None else -1) + 1)
    if bit > MAX_TOPIC_BIT:
        raise ValidationError(
            _("No more topics can be added: there are {count} already.").format(
                count=MAX_TOPIC_BIT + 1
            )
        )
    return bit


def ensure_reference_data(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Create topics, sectors and the role groups if they are missing.

    Existing rows are left alone (a Functioneel beheerder may have renamed a topic);
    each role gets at least its baseline permissions.
    """
    # After a migration, the models as that migration left them (migrating back to before
    # Topic.bit existed must still work); otherwise (flush, tests) the current ones.
    apps = kwargs.get("apps")
    topics = apps.get_model("cases", "Topic") if apps else Topic
    sectors = apps.get_model("cases", "Sector") if apps else Sector
    has_bit = any(f.name == "bit" for f in topics._meta.get_fields())
    for position, (code, label) in enumerate(TOPICS):
        defaults: dict[str, Any] = {"label": label, "ordering": (position + 1) * 10}
        if has_bit:
            defaults["bit"] = TOPIC_BITS[code]
        topics.objects.using(using).get_or_create(code=code, defaults=defaults)
    for code, name in SECTORS:
        sectors.objects.using(using).get_or_create(code=code, defaults={"name": name})
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.add(*_permissions(codes))
