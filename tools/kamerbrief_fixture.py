"""Deterministic generator of the `kamerbrief_2021` fixture.

It reproduces the figures of the Kamerbrief (25 295, nr. 1172): for meldingen received
25 January – 9 April 2021 (Europe/Amsterdam) there are exactly 746 received, 627 taken into
investigation and 545 whose only topic is niet_mogen_thuiswerken. Around them: meldingen
before and after the period, boundary cases minutes from local midnight, every state and
outcome, calls, agreements, repeat meldingen and anonymous and named melders.

Everything is derived from one seeded `random.Random`; the output is the same text for
the same seed on every machine. `manage.py generate_kamerbrief_fixture` writes it; the test
suite checks that it reproduces the committed `fixtures/kamerbrief_2021.json` byte for byte.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from cases.deadlines import add_working_days, is_working_day
from cases.models.case import AGREEMENT_DEADLINE_STATES
from cases.models.rollups import CHANNEL_CODES, OUTCOME_CODES, STATE_CODES
from cases.reference_data import TOPIC_BITS

_T = TypeVar("_T")

NO_CONTACT = {
    "contact_form_of_address": "",
    "contact_title": "",
    "contact_initials": "",
    "contact_tussenvoegsel": "",
    "contact_surname": "",
}

SEED = 1172
AMS = ZoneInfo("Europe/Amsterdam")
PERIOD_START = dt.date(2021, 1, 25)
PERIOD_END = dt.date(2021, 4, 9)
TARGET_RECEIVED = 746
TARGET_INVESTIGATED = 627
TARGET_ONLY_NOT_ALLOWED = 545
BEFORE_COUNT = 160  # 1 November 2020 – 24 January 2021
AFTER_COUNT = 220  # 10 April – 30 June 2021
TRIAGE_DAYS = 5
CALL_DAYS = 10
NMT = "niet_mogen_thuiswerken"

# (username, first name, last name, role, function, team)
STAFF = [
    ("inspecteur1", "Sanne", "de Wit", "Inspecteur", "Inspecteur", "Team Thuiswerken Noord"),
    ("inspecteur2", "Mohamed", "El Amrani", "Inspecteur", "Inspecteur", "Team Thuiswerken Zuid"),
    ("inspecteur3", "Petra", "Kuipers", "Inspecteur", "Inspecteur", "Team Thuiswerken Noord"),
    ("inspecteur4", "Jeroen", "Bakker", "Inspecteur", "Senior inspecteur", "Team Thuiswerken Zuid"),
    ("inspecteur5", "Fatma", "Yılmaz", "Inspecteur", "Inspecteur", "Team Thuiswerken West"),
    ("teamleider", "Anouk", "Verbeek", "Teamleider", "Teamleider", "Team Thuiswerken"),
    ("beheerder", "Rob", "Hermans", "Functioneel beheerder", "", ""),
]
INSPECTORS = ["inspecteur1", "inspecteur2", "inspecteur3", "inspecteur4", "inspecteur5"]
INSPECTOR_WEIGHTS = [24, 22, 20, 18, 16]

FAMILY = [
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Jong",
    "Schouten",
    "van Beek",
    "Willems",
    "van Dijk",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "Prins",
    "Blom",
    "Huisman",
    "Kuiper",
    "Veenstra",
    "Kramer",
    "Bouwman",
    "Evers",
    "Koning",
    "Wouters",
    "Çelik",
    "Öztürk",
    "Boukhari",
]
FIRST = [
    "Anna",
    "Bram",
    "Daan",
    "Emma",
    "Fleur",
    "Hugo",
    "Iris",
    "Jesse",
    "Julia",
    "Lars",
    "Lotte",
    "Mila",
    "Noah",
    "Nina",
    "Ruben",
    "Sara",
    "Sem",
    "Tess",
    "Thijs",
    "Vera",
    "Yara",
    "Zoë",
    "Mehmet",
    "Fatima",
    "Priya",
    "Wei",
    "Joost",
    "Marieke",
    "Hanneke",
    "Kees",
    "Anouk",
    "Bas",
    "Eline",
    "Gijs",
    "Inge",
    "Koen",
    "Linda",
    "Maarten",
    "Nadia",
    "Olaf",
    "René",
    "Sophie",
    "Tom",
    "Ümit",
    "Willemijn",
]
BRANDS = [
    "Nova",
    "Prisma",
    "Delta",
    "Vector",
    "Lumen",
    "Quadra",
    "Axis",
    "Orion",
    "Zenit",
    "Atlas",
    "Triton",
    "Kompas",
    "Horizon",
    "Spectrum",
    "Polder",
    "Duinzicht",
    "Rivierland",
    "Noorderlicht",
    "Zuiderkruis",
    "Westwijk",
]
SECTOR_WORDS: dict[str, list[str]] = {
    "C": ["Metaalbewerking", "Verpakkingen", "Machinefabriek", "Kunststoffen", "Voeding"],
    "D": ["Energie", "Netbeheer"],
    "E": ["Afvalverwerking", "Recycling"],
    "F": ["Bouwbedrijf", "Aannemersbedrijf", "Installatietechniek"],
    "G": ["Groothandel", "Retail", "Tegelhandel", "Autobedrijf"],
    "H": ["Transport", "Logistiek", "Koeriersdiensten"],
    "I": ["Hotelgroep", "Catering"],
    "J": ["Software", "ICT Diensten", "Media", "Webdevelopment", "Data Solutions", "Telecom"],
    "K": ["Verzekeringen", "Financieel Advies", "Hypotheken", "Pensioenbeheer"],
    "L": ["Vastgoedbeheer", "Makelaardij"],
    "M": ["Advocaten", "Accountants", "Ingenieursbureau", "Adviesgroep", "Architecten"],
    "N": ["Uitzendbureau", "Schoonmaakdiensten", "Klantcontactcentrum", "Facilitair Bedrijf"],
    "O": ["Uitvoeringsdienst", "Omgevingsdienst"],
    "P": ["Opleidingen", "Trainingscentrum"],
    "Q": ["Zorggroep", "Thuiszorg", "Zorgverzekeraar"],
    "R": ["Sportcentrum", "Evenementen"],
    "S": ["Uitvaartverzorging", "Belangenvereniging"],
}
SECTOR_WEIGHTS = {
    "J": 18, "M": 16, "N": 14, "K": 10, "G": 10, "C": 8, "H": 6, "Q": 5, "O": 3,
    "P": 3, "F": 3, "L": 2, "I": 1, "R": 1, "S": 1, "D": 1, "E": 1,
}  # fmt: skip
CITIES = [
    ("Amsterdam", "10"), ("Rotterdam", "30"), ("Den Haag", "25"), ("Utrecht", "35"),
    ("Eindhoven", "56"), ("Groningen", "97"), ("Tilburg", "50"), ("Almere", "13"),
    ("Breda", "48"), ("Nijmegen", "65"), ("Apeldoorn", "73"), ("Haarlem", "20"),
    ("Arnhem", "68"), ("Enschede", "75"), ("Amersfoort", "38"), ("Zwolle", "80"),
    ("Leiden", "23"), ("Maastricht", "62"), ("Delft", "26"), ("'s-Hertogenbosch", "52"),
]  # fmt: skip
STREETS = [
    "Stationsweg",
    "Industrieweg",
    "Kerkstraat",
    "Marktplein",
    "Havenstraat",
    "Parallelweg",
    "Europalaan",
    "Beatrixlaan",
    "Nijverheidsweg",
    "Kanaalweg",
    "Spoorlaan",
    "Handelskade",
    "Zuidplein",
    "Westblaak",
    "Herengracht",
    "Keizersgracht",
    "Oudegracht",
    "Laan van Nieuw Oost-Indië",
    "Prinses Margrietlaan",
    "Koningin Julianaplein",
]
AREA_CODES = {
    "Amsterdam": "020", "Rotterdam": "010", "Den Haag": "070", "Utrecht": "030",
    "Eindhoven": "040", "Groningen": "050", "Tilburg": "013", "Almere": "036",
    "Breda": "076", "Nijmegen": "024", "Apeldoorn": "055", "Haarlem": "023",
    "Arnhem": "026", "Enschede": "053", "Amersfoort": "033", "Zwolle": "038",
    "Leiden": "071", "Maastricht": "043", "Delft": "015", "'s-Hertogenbosch": "073",
}  # fmt: skip
WORK = [
    "administratief werk",
    "klantenservice via de telefoon",
    "boekhouding",
    "programmeren",
    "beleidswerk",
    "salarisadministratie",
    "inkoop",
    "marketing",
    "planning",
    "juridisch advieswerk",
]
DESCRIPTIONS = [
    "Mijn werkgever verplicht ons sinds {month} elke dag op kantoor te werken, terwijl mijn "
    "werk ({work}) prima thuis kan.",
    "Wij moeten van de leidinggevende minstens vier dagen per week op locatie zijn. Voor {work} "
    "is dat niet nodig; thuiswerken wordt geweigerd zonder uitleg.",
    "Thuiswerken is bij ons niet toegestaan 'omdat de productiviteit thuis lager is'. Ik doe "
    "{work} en heb alles wat ik nodig heb op mijn laptop.",
    "Nieuwe collega's moeten volgens de directie op kantoor ingewerkt worden, en daarom moet het "
    "hele team ({work}) sinds {month} weer naar kantoor.",
    "Mijn verzoek om thuis te werken is afgewezen. Op de afdeling ({work}) zitten we met tien "
    "mensen in één ruimte.",
    "De werkgever wil 'zicht op het werk' en laat ons daarom niet thuiswerken. Het gaat om {work}.",
]
EXTRA_TEXT = {
    "thuiswerkplek": " Wie wel thuiswerkt krijgt geen bureaustoel of beeldscherm.",
    "afstand_op_locatie": " Op kantoor wordt de 1,5 meter niet aangehouden.",
    "hygiene_op_locatie": " Er zijn geen desinfectiemiddelen en er wordt niet extra schoongemaakt.",
    "werkdruk": " De werkdruk is sinds de verplichting om naar kantoor te komen enorm gestegen.",
    "overig": " Ook over andere zaken maak ik mij zorgen.",
}
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
RELATIONS = [
    "werknemer",
    "werknemer",
    "werknemer",
    "uitzendkracht",
    "lid ondernemingsraad",
    "partner van werknemer",
    "gedetacheerde",
]
MEASURES = [
    "Rooster waarin iedere medewerker maximaal één dag per week op kantoor komt.",
    "Laptops en beeldschermen zijn verstrekt; kantoor alleen open voor productiemedewerkers.",
    "Schriftelijk beleid 'thuis, tenzij' gedeeld met alle medewerkers.",
    "Bezettingsregistratie per ruimte en looproutes op kantoor.",
    "Afspraak met bedrijfsarts over medewerkers die thuis vastlopen.",
]
AGREEMENTS = [
    "Alle medewerkers met kantoorwerk werken thuis, tenzij een criterium uit de lijst van "
    "18 februari 2021 van toepassing is; dit wordt per functie vastgelegd.",
    "De werkgever stelt een thuiswerkbeleid op en deelt dit met alle medewerkers.",
    "Medewerkers die thuiswerken krijgen op verzoek een bureaustoel en beeldscherm.",
    "De werkgever legt per medewerker vast waarom werken op locatie noodzakelijk is.",
    "Inwerken van nieuwe medewerkers gebeurt op afstand, behalve de eerste werkdag.",
    "De ondernemingsraad wordt betrokken bij de evaluatie van het thuiswerkbeleid.",
]
NOTES = [
    "Werkgever was coöperatief en gaf aan het beleid te herzien.",
    "Contactpersoon wist niet van de criteria van 18 februari; toegelicht.",
    "Werkgever herkent zich niet in de melding; volgens HR werkt iedereen thuis.",
    "Werkgever noemt productiviteit als reden; uitgelegd dat dit geen geldige reden is.",
    "",
]
CRITERIA = [
    "fysieke_aanwezigheid",
    "locatiegebonden_systemen",
    "vertrouwelijke_informatie",
    "mentale_gezondheid",
    "thuiswerkplek_ongeschikt",
]
DECLINE_OUTCOMES = [
    ("onvoldoende_informatie", 40),
    ("geen_overtreding_aannemelijk", 28),
    ("buiten_bevoegdheid", 16),
    ("ingetrokken", 12),
    ("dubbele_melding", 14),
]
# Fates of investigated meldingen: (final state, outcome, weight).
INVESTIGATED_FATES = [
    ("closed", "afspraken_nagekomen", 240),
    ("closed", "werkgever_voldoet_al", 120),
    ("closed", "doorverwezen_inspectie_op_locatie", 30),
    ("closed", "werkgever_onbereikbaar", 25),
    ("closed", "ingetrokken", 15),
    ("closed", "dubbele_melding", 12),
    ("under_investigation", "", 40),
    ("employer_called", "", 45),
    ("agreements_confirmed", "", 100),
]


@dataclass
class CaseSpec:
    received_at: dt.datetime
    topics: list[str]
    investigated: bool
    fate: tuple[str, str] = ("received", "")
    employer: int = 0
    reopened: bool = False
    pk: int = 0
    reference: str = ""
    main_case: int | None = None
    events: list[dict[str, Any]] = field(default_factory=list)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(AMS).isoformat()


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


class Generator:
    def __init__(self, seed: int = SEED) -> None:
        self.rnd = random.Random(seed)  # noqa: S311 - reproducible demo data
        # Contact persons draw from a stream of their own, so their variety (titles, neutral
        # forms of address, double surnames, another person on the phone) leaves every other
        # draw, and so the figures, as they were.
        self.names = random.Random(seed * 31 + 7)  # noqa: S311 - reproducible demo data
        self.objects: list[dict[str, Any]] = []
        self.employers: list[dict[str, Any]] = []
        self.kvk_used: set[str] = set()
        self.event_pk = 0
        self.call_pk = 0
        self.agreement_pk = 0

    # -- small random helpers -------------------------------------------------
    def pick(self, items: Sequence[_T]) -> _T:
        return items[self.rnd.randrange(len(items))]

    def weighted(self, pairs: Sequence[tuple[_T, int]]) -> _T:
        return self.rnd.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def digits(self, n: int) -> str:
        return "".join(str(self.rnd.randrange(10)) for _ in range(n))

    def postcode(self, prefix: str) -> str:
        letters = list("ABCEGHJKLMNPRTVWXZ")
        return f"{prefix}{self.rnd.randrange(10, 100)} {self.pick(letters)}{self.pick(letters)}"

    def person(self) -> tuple[str, str]:
        return self.pick(FIRST), self.pick(FAMILY)

    def contact(self, form: str, first: str, family: str) -> dict[str, str]:
        """A contact person in the structured fields, with the variety letters must get
        right: titles, two initials or a first name, neutral form of address, a tussenvoegsel
        ("van den Berg"), a double surname ("Bakker-de Vries")."""
        rnd = self.names
        words = family.split(" ")
        tussenvoegsel, surname = " ".join(words[:-1]), words[-1]
        if rnd.random() < 0.08:
            surname = f"{surname}-{rnd.choice(FAMILY)}"
        roll = rnd.random()
        initials = f"{first[0]}."
        if roll < 0.2:
            initials = f"{first[0]}.{rnd.choice(FIRST)[0]}."
        neutral = rnd.random() < 0.1
        if neutral and rnd.random() < 0.4:
            initials = first
        return {
            "contact_form_of_address": "neutral" if neutral else form,
            "contact_title": rnd.choice(["drs.", "mr.", "ir.", "dr.", "ing."])
            if rnd.random() < 0.1
            else "",
            "contact_initials": initials,
            "contact_tussenvoegsel": tussenvoegsel,
            "contact_surname": surname,
        }

    def later(self, start: dt.datetime, min_hours: float, max_hours: float) -> dt.datetime:
        moment = start + dt.timedelta(hours=self.rnd.uniform(min_hours, max_hours))
        local = moment.astimezone(AMS)
        # Office hours on working days.
        while not is_working_day(local.date()) or not 8 <= local.hour < 18:
            local = (local + dt.timedelta(hours=1)).replace(minute=self.rnd.randrange(60))
            local = local.astimezone(AMS)
        return local.replace(second=0, microsecond=0)

    # -- reference data -------------------------------------------------------
    def staff(self) -> None:
        joined = dt.datetime(2020, 9, 1, 9, 0, tzinfo=AMS)
        for username, first, last, role, _function, _team in STAFF:
            self.objects.append(
                {
                    "model": "auth.user",
                    "fields": {
                        "username": username,
                        "password": "!",  # unusable; the demo command sets a demo password
                        "first_name": first,
                        "last_name": last,
                        "email": f"{username}@inspectieszw.example",
                        "is_active": True,
                        "is_staff": role == "Functioneel beheerder",
                        "is_superuser": False,
                        "date_joined": _iso(joined),
                        "groups": [[role]],
                        "user_permissions": [],
                    },
                }
            )
        for position, (username, _first, _last, _role, function, team) in enumerate(STAFF):
            if not function:
                continue
            self.objects.append(
                {
                    "model": "cases.inspectorprofile",
                    "pk": position + 1,
                    "fields": {
                        "user": [username],
                        "function_title": function,
                        "phone": f"070{3330000 + position * 11:07d}",
                        "team": team,
                    },
                }
            )

    def new_employer(self, *, identified: bool) -> int:
        sector = self.weighted(list(SECTOR_WEIGHTS.items()))
        city, prefix = self.pick(CITIES)
        word = self.pick(SECTOR_WORDS[sector])
        style = self.rnd.randrange(4)
        if style == 0:
            name = f"{self.pick(FAMILY)} {word} B.V."
        elif style == 1:
            name = f"{self.pick(BRANDS)} {word}"
        elif style == 2:
            name = f"{word} {city} B.V."
        else:
            name = f"{self.pick(FAMILY)} & {self.pick(FAMILY)} {word}"
        name = name[0].upper() + name[1:]
        pk = len(self.employers) + 1
        fields: dict[str, Any] = {
            "name": name,
            "kvk_number": None,
            "establishment_number": "",
            "sector": None,
            "visit_street": "",
            "visit_number": "",
            "visit_postcode": "",
            "visit_city": city,
            "postal_street": "",
            "postal_number": "",
            "postal_postcode": "",
            "postal_city": "",
            **NO_CONTACT,
            "contact_phone": "",
            "contact_email": "",
            "created_at": "2020-11-01T09:00:00+01:00",
            "updated_at": "2020-11-01T09:00:00+01:00",
        }
        if identified:
            kvk = self.digits(8)
            while kvk in self.kvk_used or kvk.startswith("0"):
                kvk = self.digits(8)
            self.kvk_used.add(kvk)
            first, last = self.person()
            fields.update(
                kvk_number=kvk,
                establishment_number="0000" + self.digits(8) if self.rnd.random() < 0.3 else "",
                sector=sector,
                visit_street=self.pick(STREETS),
                visit_number=str(self.rnd.randrange(1, 250)),
                visit_postcode=self.postcode(prefix),
                **self.contact(self.pick(["mevrouw", "heer"]), first, last),
                contact_phone=AREA_CODES[city] + self.digits(10 - len(AREA_CODES[city])),
                contact_email=f"personeelszaken@{_ascii(name)[:24]}.example",
            )
            if self.rnd.random() < 0.3:
                fields.update(
                    postal_street="Postbus",
                    postal_number=str(self.rnd.randrange(1, 9999)),
                    postal_postcode=self.postcode(prefix),
                    postal_city=city,
                )
        self.employers.append({"model": "cases.employer", "pk": pk, "fields": fields})
        return pk

    # -- case specs -----------------------------------------------------------
    def moments(self, start: dt.date, end: dt.date, count: int) -> list[dt.datetime]:
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        weights = [1 if d.weekday() >= 5 else 6 for d in days]
        out = []
        for _ in range(count):
            day = self.rnd.choices(days, weights=weights)[0]
            minute = self.rnd.randrange(7 * 60, 23 * 60)
            out.append(dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=AMS))
        return out

    def topics(self, only_nmt: bool) -> list[str]:
        if only_nmt:
            return [NMT]
        others = ["thuiswerkplek", "afstand_op_locatie", "hygiene_op_locatie", "werkdruk", "overig"]
        chosen = self.rnd.sample(others, self.rnd.choice([1, 1, 2]))
        if self.rnd.random() < 0.6:
            chosen.insert(0, NMT)
        return chosen

    def period_specs(self) -> list[CaseSpec]:
        # Boundary cases minutes from local midnight, inside the period (in UTC the first
        # falls on 24 January, so a UTC-date filter loses it).
        boundary_inside = [
            dt.datetime(2021, 1, 25, 0, 1, tzinfo=AMS),
            dt.datetime(2021, 1, 25, 0, 40, tzinfo=AMS),
            dt.datetime(2021, 4, 9, 23, 30, tzinfo=AMS),
            dt.datetime(2021, 4, 9, 23, 59, tzinfo=AMS),
        ]
        moments = boundary_inside + self.moments(
            PERIOD_START, PERIOD_END, TARGET_RECEIVED - len(boundary_inside)
        )
        only = [True] * TARGET_ONLY_NOT_ALLOWED + [False] * (
            TARGET_RECEIVED - TARGET_ONLY_NOT_ALLOWED
        )
        investigated = [True] * TARGET_INVESTIGATED + [False] * (
            TARGET_RECEIVED - TARGET_INVESTIGATED
        )
        self.rnd.shuffle(only)
        self.rnd.shuffle(investigated)
        return [
            CaseSpec(received_at=m, topics=self.topics(o), investigated=i)
            for m, o, i in zip(moments, only, investigated, strict=True)
        ]

    def outside_specs(self) -> list[CaseSpec]:
        boundary_outside = [
            dt.datetime(2021, 1, 24, 23, 58, tzinfo=AMS),
            dt.datetime(2021, 1, 24, 23, 15, tzinfo=AMS),
            dt.datetime(2021, 4, 10, 0, 2, tzinfo=AMS),  # 9 April 22:02 UTC
            dt.datetime(2021, 4, 10, 0, 30, tzinfo=AMS),
            dt.datetime(2021, 4, 10, 1, 15, tzinfo=AMS),
        ]
        moments = (
            boundary_outside
            + self.moments(dt.date(2020, 11, 2), dt.date(2021, 1, 24), BEFORE_COUNT - 2)
            + self.moments(dt.date(2021, 4, 10), dt.date(2021, 6, 30), AFTER_COUNT - 3)
        )
        return [
            CaseSpec(
                received_at=m,
                topics=self.topics(self.rnd.random() < 0.72),
                investigated=self.rnd.random() < 0.82,
            )
            for m in moments
        ]

    def assign_fates(self, specs: list[CaseSpec]) -> None:
        fates = [(s, o) for s, o, w in INVESTIGATED_FATES for _ in range(w)]
        self.rnd.shuffle(fates)
        position = 0
        for spec in specs:
            if spec.investigated:
                if position < len(fates):
                    spec.fate = fates[position]
                    position += 1
                else:
                    spec.fate = self.weighted([((s, o), w) for s, o, w in INVESTIGATED_FATES])
            else:
                recent = spec.received_at.date() >= dt.date(2021, 6, 14)
                if recent or self.rnd.random() < 0.05:
                    spec.fate = ("received", "")
                else:
                    spec.fate = ("closed", self.weighted(DECLINE_OUTCOMES))
        # Some investigated cases were closed once and reopened by a supervisor.
        open_investigations = [s for s in specs if s.fate == ("under_investigation", "")]
        for spec in open_investigations[:8]:
            spec.reopened = True

    def assign_employers(self, specs: list[CaseSpec]) -> None:
        """Repeat meldingen for some employers; some employers only as reported."""
        identified: list[int] = []
        for spec in specs:
            needs_kvk = spec.fate[0] not in ("received", "closed") or (
                spec.fate[0] == "closed" and spec.investigated
            )
            reported_only = not needs_kvk and self.rnd.random() < 0.35
            if reported_only:
                spec.employer = self.new_employer(identified=False)
            elif identified and self.rnd.random() < 0.22:
                spec.employer = self.pick(identified)
            else:
                spec.employer = self.new_employer(identified=True)
                identified.append(spec.employer)

    # -- per-case history -------------------------------------------------------
    def event(
        self,
        spec: CaseSpec,
        at: dt.datetime,
        actor: str | None,
        kind: str,
        from_state: str = "",
        to_state: str = "",
        **data: Any,
    ) -> None:
        self.event_pk += 1
        spec.events.append(
            {
                "model": "cases.event",
                "pk": self.event_pk,
                "fields": {
                    "created_at": _iso(at),
                    "actor": [actor] if actor else None,
                    "kind": kind,
                    "case": spec.pk,
                    "from_state": from_state,
                    "to_state": to_state,
                    "data": data,
                },
            }
        )

    def call(
        self, spec: CaseSpec, at: dt.datetime, caller: str, reached: bool, calls: list[Any]
    ) -> int:
        self.call_pk += 1
        fields: dict[str, Any] = {
            "case": spec.pk,
            "called_at": _iso(at),
            "caller": [caller],
            "reached": reached,
            **NO_CONTACT,
            "criteria": [],
            "employer_response": "",
            "measures": "",
            "notes": "",
            "created_at": _iso(at + dt.timedelta(minutes=3)),
        }
        if reached:
            employer = self.employers[spec.employer - 1]["fields"]
            response = self.weighted([("ja", 70), ("gedeeltelijk", 20), ("nee", 10)])
            fields.update(
                **self.spoken_to(employer),
                criteria=sorted(
                    self.rnd.sample(CRITERIA, self.rnd.randrange(1, 4)), key=CRITERIA.index
                ),
                employer_response=response,
                measures=self.pick(MEASURES) if response != "nee" else "",
                notes=NOTES[2] if response == "nee" else self.pick(NOTES),
            )
        calls.append({"model": "cases.call", "pk": self.call_pk, "fields": fields})
        return self.call_pk

    def spoken_to(self, employer: dict[str, Any]) -> dict[str, str]:
        """The person the inspector spoke to: mostly the employer's contact person, else
        someone else (the letter is addressed to whoever it was)."""
        if employer["contact_surname"] and self.names.random() < 0.75:
            return {name: employer[name] for name in NO_CONTACT}
        first, family = self.names.choice(FIRST), self.names.choice(FAMILY)
        return self.contact(self.names.choice(["mevrouw", "heer"]), first, family)

    def history(
        self, spec: CaseSpec, specs_by_employer: dict[int, list[CaseSpec]]
    ) -> dict[str, Any]:
        rnd = self.rnd
        state = "received"
        registrar = self.weighted(list(zip(INSPECTORS, INSPECTOR_WEIGHTS, strict=True)))
        created = spec.received_at + dt.timedelta(minutes=rnd.randrange(2, 90))
        local = spec.received_at
        if not 8 <= local.hour < 18 or not is_working_day(local.date()):
            created = self.later(spec.received_at, 0, 14)
        triage_due = add_working_days(spec.received_at.date(), TRIAGE_DAYS)
        topic_codes = spec.topics
        self.event(
            spec,
            created,
            registrar,
            "intake",
            to_state="received",
            reference=spec.reference,
            channel="",
            topics=sorted(topic_codes),
            anonymous=False,
            employer_id=spec.employer,
        )
        case: dict[str, Any] = {
            "assignee": None,
            "state": "received",
            "outcome": "",
            "main_case": None,
            "triage_due": triage_due.isoformat(),
            "call_due": None,
            "investigated_at": None,
            "closed_at": None,
            "created_at": _iso(created),
            "created_by": [registrar],
        }
        calls: list[Any] = []
        agreements: list[Any] = []
        final_state, outcome = spec.fate
        unassigned = final_state == "received" and rnd.random() < 0.6
        if unassigned:
            return {"case": case, "calls": calls, "agreements": agreements}
        assignee = self.weighted(list(zip(INSPECTORS, INSPECTOR_WEIGHTS, strict=True)))
        moment = self.later(created, 0.5, 30)
        case["assignee"] = [assignee]
        self.event(spec, moment, assignee, "assigned")
        if final_state == "received":
            return {"case": case, "calls": calls, "agreements": agreements}
        moment = self.later(moment, 2, 80)
        if not spec.investigated:
            main = self.main_case_for(spec, specs_by_employer, outcome)
            if outcome == "dubbele_melding" and main is None:
                outcome = "onvoldoende_informatie"
            case.update(state="closed", outcome=outcome, closed_at=_iso(moment), main_case=main)
            self.event(spec, moment, assignee, "decline", "received", "closed", outcome=outcome)
            return {"case": case, "calls": calls, "agreements": agreements}
        # Taken into investigation.
        case["investigated_at"] = _iso(moment)
        call_due = add_working_days(moment.date(), CALL_DAYS)
        case["call_due"] = call_due.isoformat()
        self.event(
            spec,
            moment,
            assignee,
            "take_into_investigation",
            "received",
            "under_investigation",
            due_date=call_due.isoformat(),
        )
        state = "under_investigation"
        if spec.reopened:
            moment = self.later(moment, 20, 60)
            self.event(spec, moment, assignee, "close", state, "closed", outcome="ingetrokken")
            moment = self.later(moment, 24, 120)
            self.event(
                spec,
                moment,
                "teamleider",
                "reopen",
                "closed",
                "under_investigation",
                reason="Melder heeft de intrekking teruggedraaid.",
                outcome="ingetrokken",
            )
        if final_state == "under_investigation":
            if rnd.random() < 0.5:
                moment = self.later(moment, 4, 60)
                call_id = self.call(spec, moment, assignee, False, calls)
                self.event(spec, moment, assignee, "call_attempt", call_id=call_id, reached=False)
            case.update(state=state)
            return {"case": case, "calls": calls, "agreements": agreements}
        if outcome in ("ingetrokken", "dubbele_melding", "werkgever_onbereikbaar") or (
            outcome == "doorverwezen_inspectie_op_locatie" and rnd.random() < 0.4
        ):
            if outcome == "werkgever_onbereikbaar":
                for _ in range(rnd.choice([2, 2, 3])):
                    moment = self.later(moment, 20, 50)  # a different day each time
                    call_id = self.call(spec, moment, assignee, False, calls)
                    self.event(
                        spec, moment, assignee, "call_attempt", call_id=call_id, reached=False
                    )
            main = self.main_case_for(spec, specs_by_employer, outcome)
            if outcome == "dubbele_melding" and main is None:
                outcome = "ingetrokken"
            moment = self.later(moment, 4, 48)
            case.update(state="closed", outcome=outcome, closed_at=_iso(moment), main_case=main)
            self.event(spec, moment, assignee, "close", state, "closed", outcome=outcome)
            return {"case": case, "calls": calls, "agreements": agreements}
        # The employer is phoned.
        if rnd.random() < 0.3:
            moment = self.later(moment, 3, 30)
            call_id = self.call(spec, moment, assignee, False, calls)
            self.event(spec, moment, assignee, "call_attempt", call_id=call_id, reached=False)
        moment = self.later(moment, 3, 90)
        call_id = self.call(spec, moment, assignee, True, calls)
        response = calls[-1]["fields"]["employer_response"]
        self.event(
            spec,
            moment,
            assignee,
            "record_call",
            state,
            "employer_called",
            call_id=call_id,
            reached=True,
            criteria=calls[-1]["fields"]["criteria"],
            employer_response=response,
        )
        state = "employer_called"
        call_moment = moment
        if outcome == "werkgever_voldoet_al" or (
            outcome == "doorverwezen_inspectie_op_locatie" and rnd.random() < 0.5
        ):
            moment = self.later(moment, 1, 30)
            case.update(state="closed", outcome=outcome, closed_at=_iso(moment))
            self.event(spec, moment, assignee, "close", state, "closed", outcome=outcome)
            return {"case": case, "calls": calls, "agreements": agreements}
        count = rnd.choice([1, 2, 2, 3])
        texts = rnd.sample(AGREEMENTS, count)
        for text in texts:
            self.agreement_pk += 1
            moment = call_moment + dt.timedelta(minutes=rnd.randrange(5, 50))
            due = add_working_days(moment.date(), rnd.choice([5, 10, 15, 20]))
            agreements.append(
                {
                    "model": "cases.agreement",
                    "pk": self.agreement_pk,
                    "fields": {
                        "case": spec.pk,
                        "description": text,
                        "due_date": due.isoformat(),
                        "status": "open",
                        "status_changed_at": None,
                        "created_at": _iso(moment),
                        "created_by": [assignee],
                    },
                }
            )
            self.event(
                spec,
                moment,
                assignee,
                "agreement_added",
                agreement_id=self.agreement_pk,
                due_date=due.isoformat(),
            )
        if final_state == "employer_called":
            case.update(state=state)
            return {"case": case, "calls": calls, "agreements": agreements}
        moment = self.later(call_moment, 2, 40)
        self.event(spec, moment, assignee, "confirm_agreements", state, "agreements_confirmed")
        state = "agreements_confirmed"
        if final_state == "agreements_confirmed":
            case.update(state=state)
            return {"case": case, "calls": calls, "agreements": agreements}
        # Closed after confirmation: agreements kept, or referred to an on-site inspection.
        kept = outcome == "afspraken_nagekomen"
        last = moment
        for item in agreements:
            due = dt.date.fromisoformat(item["fields"]["due_date"])
            checked = self.later(dt.datetime.combine(due, dt.time(9, 0), tzinfo=AMS), 0, 72)
            status = "nagekomen" if kept or rnd.random() < 0.5 else "niet_nagekomen"
            item["fields"].update(status=status, status_changed_at=_iso(checked))
            self.event(
                spec,
                checked,
                assignee,
                "agreement_status",
                agreement_id=item["pk"],
                status=status,
                previous_status="open",
            )
            last = max(last, checked)
        if not kept and all(a["fields"]["status"] == "nagekomen" for a in agreements):
            agreements[0]["fields"]["status"] = "niet_nagekomen"
            spec.events[-len(agreements)]["fields"]["data"]["status"] = "niet_nagekomen"
        moment = self.later(last, 1, 30)
        case.update(state="closed", outcome=outcome, closed_at=_iso(moment))
        self.event(spec, moment, assignee, "close", state, "closed", outcome=outcome)
        return {"case": case, "calls": calls, "agreements": agreements}

    def main_case_for(
        self, spec: CaseSpec, specs_by_employer: dict[int, list[CaseSpec]], outcome: str
    ) -> int | None:
        """For a duplicate: the previous melding about the same employer, if any."""
        if outcome != "dubbele_melding":
            return None
        earlier = [s for s in specs_by_employer[spec.employer] if s.pk < spec.pk]
        return earlier[-1].pk if earlier else None

    def melder(self, pk: int) -> dict[str, Any] | None:
        if self.rnd.random() < 0.38:
            return None
        first, last = self.person()
        fields = {
            "name": f"{first} {last}",
            "email": f"{_ascii(first)}.{_ascii(last)}@mail.example"
            if self.rnd.random() < 0.8
            else "",
            "phone": "06" + self.digits(8) if self.rnd.random() < 0.6 else "",
            "relation": self.pick(RELATIONS),
        }
        return {"model": "cases.melder", "pk": pk, "fields": fields}

    def description(self, topics: list[str], received: dt.datetime) -> str:
        month = MONTHS[(received.month - 2) % 12]  # the month before receipt
        text = self.pick(DESCRIPTIONS).format(work=self.pick(WORK), month=month)
        if NMT not in topics:
            text = "Ik werk grotendeels thuis, maar wil iets melden."
        return text + "".join(EXTRA_TEXT[t] for t in topics if t in EXTRA_TEXT)

    def precomputed(
        self,
        spec: CaseSpec,
        fields: dict[str, Any],
        calls: list[dict[str, Any]],
        agreements: list[dict[str, Any]],
    ) -> dict[str, Any]:
        """The columns the services derive (cases.rollups): loaddata writes rows past them."""
        employer = self.employers[spec.employer - 1]["fields"]
        mask = 0
        for code in spec.topics:
            mask |= 1 << TOPIC_BITS[code]
        return {
            "local_day": spec.received_at.astimezone(AMS).date().isoformat(),
            "state_code": STATE_CODES[fields["state"]],
            "outcome_code": OUTCOME_CODES[fields["outcome"]],
            "channel_code": CHANNEL_CODES[fields["channel"]],
            "sector_code": employer["sector"],
            "topic_mask": mask,
            "not_recognised": any(
                c["fields"]["reached"] and c["fields"]["employer_response"] == "nee" for c in calls
            ),
            "agreement_due": min(
                (a["fields"]["due_date"] for a in agreements if a["fields"]["status"] == "open"),
                default=None,
            )
            if fields["state"] in AGREEMENT_DEADLINE_STATES
            else None,
        }

    # -- assembly --------------------------------------------------------------
    def build(self) -> list[dict[str, Any]]:
        self.staff()
        specs = self.period_specs() + self.outside_specs()
        specs.sort(key=lambda s: s.received_at)
        self.assign_fates(specs)
        self.assign_employers(specs)
        counters: dict[int, int] = {}
        specs_by_employer: dict[int, list[CaseSpec]] = {}
        for pk, spec in enumerate(specs, start=1):
            spec.pk = pk
            year = spec.received_at.year
            counters[year] = counters.get(year, 0) + 1
            spec.reference = f"TW-{year}-{counters[year]:05d}"
            specs_by_employer.setdefault(spec.employer, []).append(spec)
        cases, melders, calls, agreements, events = [], [], [], [], []
        for spec in specs:
            channel = self.weighted(
                [("webformulier", 62), ("telefoon", 20), ("email", 14), ("brief", 4)]
            )
            result = self.history(spec, specs_by_employer)
            spec.events[0]["fields"]["data"]["channel"] = channel
            melder = self.melder(spec.pk)
            spec.events[0]["fields"]["data"]["anonymous"] = melder is None
            fields = {
                "reference": spec.reference,
                "received_at": _iso(spec.received_at),
                "channel": channel,
                "topics": [[code] for code in spec.topics],
                "description": self.description(spec.topics, spec.received_at),
                "employer": spec.employer,
                **result["case"],
                "version": len(spec.events),
                "anonymised_at": None,
            }
            fields.update(self.precomputed(spec, fields, result["calls"], result["agreements"]))
            cases.append({"model": "cases.case", "pk": spec.pk, "fields": fields})
            if melder:
                melders.append(melder)
            calls += result["calls"]
            agreements += result["agreements"]
            events += spec.events
        return self.objects + self.employers + cases + melders + calls + agreements + events


def build_fixture(seed: int = SEED) -> str:
    """The fixture as JSON text: one object per line, stable for a given seed."""
    objects = Generator(seed).build()
    lines = ",\n".join(json.dumps(obj, ensure_ascii=False, sort_keys=True) for obj in objects)
    return f"[\n{lines}\n]\n"
