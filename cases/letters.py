"""Generated PDF documents: context → HTML (Django template) → PDF bytes (WeasyPrint).

`render_pdf` is the generic renderer for any document: archival, tagged PDF (PDF/A-2a) with
embedded fonts, rendered in a URL sandbox that serves only files from the bundled asset folder
(`static/letters/`, see `cases.pdf_sandbox`). WeasyPrint is imported lazily, inside the render
function, so pages that never render a PDF don't pay for it.

The confirmation letter is confidential by construction: `build_confirmation_letter` reads an
explicit allow-list of employer, agreement and inspector fields (plus the date of the call and
whom the inspector spoke to) into plain strings. The melder, the melding's description, call
notes and measures are never read, so the template cannot show them.

Issuing (`cases.services.letters`) renders *before* any lock or transaction with
`render_final`, then hands the bytes and the check that comes with them to the service, which
re-checks the version and the letter's data under the lock, stores the bytes under their
sha256 and commits everything together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cases import salutation
from cases.errors import ServiceError
from cases.models import (
    CONTACT_FIELDS,
    Agreement,
    Call,
    Case,
    Employer,
    InspectorProfile,
    Letter,
)

# Called under the case lock with the locked case; raises ServiceError when the letter
# rendered before the lock no longer matches the data.
LetterCheck = Callable[[Case], None]

if TYPE_CHECKING:
    from cases.pdf_sandbox import SandboxedURLFetcher

logger = logging.getLogger(__name__)

# Bump when the letter's template or stylesheet changes; recorded with every Letter.
# tests/test_letters.py pins template_fingerprint(), so a change cannot slip through unversioned.
TEMPLATE_VERSION = "bevestiging-afspraken-1.1"
CONFIRMATION_TEMPLATE = "cases/letters/confirmation.html"
ASSET_ROOT: Path = Path(settings.BASE_DIR) / "static" / "letters"
TEMPLATE_FILES: tuple[Path, ...] = (
    Path(settings.BASE_DIR) / "templates" / CONFIRMATION_TEMPLATE,
    ASSET_ROOT / "letter.css",
)
# The font of text no @font-face covers (see cases.pdf_sandbox.BundledFontConfiguration).
DEFAULT_FONT: Path = ASSET_ROOT / "fonts" / "source-sans-3-latin-400-normal.woff2"
# PDF/A-2 level A: archival, and WeasyPrint writes the structure tree (tags) for level A.
PDF_VARIANT = "pdf/a-2a"

# The only fields a letter may read (confidential by construction).
CASE_FIELDS: tuple[str, ...] = ("reference", "state", "employer_id", "assignee_id", "version")
EMPLOYER_FIELDS: tuple[str, ...] = (
    "name",
    "visit_street",
    "visit_number",
    "visit_postcode",
    "visit_city",
    "postal_street",
    "postal_number",
    "postal_postcode",
    "postal_city",
    *CONTACT_FIELDS,
)
AGREEMENT_FIELDS: tuple[str, ...] = ("description", "due_date")
CALL_FIELDS: tuple[str, ...] = ("called_at", *CONTACT_FIELDS)
INSPECTOR_USER_FIELDS: tuple[str, ...] = ("first_name", "last_name", "username", "email")
INSPECTOR_PROFILE_FIELDS: tuple[str, ...] = ("function_title", "phone", "team")


# ---------------------------------------------------------------------------
# Generic renderer


def make_url_fetcher(root: Path | None = None) -> SandboxedURLFetcher:
    """A sandboxed fetcher for `root` (default: the bundled asset folder)."""
    from cases.pdf_sandbox import SandboxedURLFetcher

    return SandboxedURLFetcher(root or ASSET_ROOT)


def asset_base_url(root: Path | None = None) -> str:
    """The base URL relative links in a document resolve against (ends with a slash)."""
    return (root or ASSET_ROOT).resolve().as_uri() + "/"


def render_pdf(
    html: str,
    *,
    asset_root: Path | None = None,
    url_fetcher: SandboxedURLFetcher | None = None,
    pdf_variant: str = PDF_VARIANT,
) -> bytes:
    """Render `html` to archival, tagged PDF bytes inside the URL sandbox.

    Relative URLs resolve against `asset_root`; nothing outside it is ever read and nothing is
    fetched from the network. Only the document's own `@font-face` fonts are used, never a
    font installed on the server. Pass `url_fetcher` (from `make_url_fetcher`) to inspect what was
    served and refused.
    """
    from weasyprint import HTML

    from cases.pdf_sandbox import BundledFontConfiguration

    root = asset_root or ASSET_ROOT
    fetcher = url_fetcher or make_url_fetcher(root)
    document = HTML(string=html, base_url=asset_base_url(root), url_fetcher=fetcher)
    return document.write_pdf(
        pdf_variant=pdf_variant,
        pdf_tags=True,
        font_config=BundledFontConfiguration(DEFAULT_FONT),
    )


# ---------------------------------------------------------------------------
# The confirmation letter: context


@dataclass(frozen=True)
class LetterAgreement:
    description: str
    due_date: str


@dataclass(frozen=True)
class LetterInspector:
    name: str
    function_title: str
    team: str
    phone: str
    email: str


@dataclass(frozen=True)
class ConfirmationLetter:
    """Everything the confirmation letter template can see: plain strings only."""

    title: str
    draft: bool
    created: str
    reference: str
    letter_date: str
    employer_name: str
    address_lines: tuple[str, ...]
    contact_name: str  # the addressee ("V. Wouters"): the person spoken to
    salutation: str  # "Geachte heer Wouters,"
    call_date: str
    call_contact_name: str
    agreements: tuple[LetterAgreement, ...]
    inspector: LetterInspector


def dutch_date(value: dt.date) -> str:
    """12 april 2021."""
    with translation.override("nl"):
        return formats.date_format(value, "j F Y")


# Dutch two-digit area codes (010, 013, 015, 020, 023, ..., 079); others have three digits.
_TWO_DIGIT_AREA_RE = re.compile(r"^0(?:1[035]|2[0346]|3[03568]|4[0356]|5[0358]|7\d)")


def format_phone(value: str) -> str:
    """0703334444 → 070 333 4444, 0612345678 → 06 1234 5678; anything else as stored."""
    digits = value.replace(" ", "")
    if digits.startswith("+31") and len(digits) == 12:
        digits = "0" + digits[3:]
    if len(digits) != 10 or not digits.isdigit() or not digits.startswith("0"):
        return value
    if digits.startswith("06"):
        return f"{digits[:2]} {digits[2:6]} {digits[6:]}"
    if _TWO_DIGIT_AREA_RE.match(digits):
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"


def _address_lines(employer: dict[str, Any]) -> tuple[str, ...]:
    """Postal address if there is one, else the visiting address (PostNL style)."""
    prefix = "postal" if (employer["postal_street"] or employer["postal_city"]) else "visit"
    street = f"{employer[f'{prefix}_street']} {employer[f'{prefix}_number']}".strip()
    postcode = employer[f"{prefix}_postcode"]
    city = employer[f"{prefix}_city"].upper()
    place = f"{postcode}  {city}".strip()
    return tuple(line for line in (street, place) if line)


def _person(row: dict[str, Any]) -> salutation.PersonName:
    return salutation.PersonName(*(row[name] for name in CONTACT_FIELDS))


def _inspector(user_id: int | None) -> LetterInspector:
    if user_id is None:
        return LetterInspector(name="", function_title=_("Inspecteur"), team="", phone="", email="")
    user = get_user_model().objects.filter(pk=user_id).values(*INSPECTOR_USER_FIELDS).first() or {}
    profile = (
        InspectorProfile.objects.filter(user_id=user_id).values(*INSPECTOR_PROFILE_FIELDS).first()
        or {}
    )
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
    return LetterInspector(
        name=name or user.get("username", ""),
        function_title=profile.get("function_title") or _("Inspecteur"),
        team=profile.get("team", ""),
        phone=format_phone(profile.get("phone", "")),
        email=user.get("email", ""),
    )


def build_confirmation_letter(
    case: Case, *, draft: bool = False, today: dt.date | None = None
) -> ConfirmationLetter:
    """The letter's context from allow-listed fields only (see the module docstring).

    A final letter needs a reached call and at least one agreement; a draft shows
    placeholders instead.
    """
    employer = Employer.objects.values(*EMPLOYER_FIELDS).get(pk=case.employer_id)
    call = (
        Call.objects.filter(case_id=case.pk, reached=True)
        .order_by("-called_at", "-pk")
        .values(*CALL_FIELDS)
        .first()
    )
    agreements = tuple(
        LetterAgreement(description=row["description"], due_date=dutch_date(row["due_date"]))
        for row in Agreement.objects.filter(case_id=case.pk)
        .order_by("due_date", "pk")
        .values(*AGREEMENT_FIELDS)
    )
    if not draft and call is None:
        raise ServiceError(
            _("The letter can only be generated once a call with the employer has been recorded.")
        )
    if not draft and not agreements:
        raise ServiceError(_("Record at least one agreement with a due date before you confirm."))
    # Addressed to the person spoken to in the (last) reached call; a draft before any call
    # is addressed to the employer's contact person.
    person = _person(call) if call else _person(employer)
    title = _("Bevestiging afspraken thuiswerken – {reference}").format(reference=case.reference)
    if draft:
        title = _("CONCEPT – {title}").format(title=title)
    return ConfirmationLetter(
        title=title,
        draft=draft,
        created=timezone.localtime().isoformat(timespec="seconds"),
        reference=case.reference,
        letter_date=dutch_date(today or timezone.localdate()),
        employer_name=employer["name"],
        address_lines=_address_lines(employer),
        contact_name=salutation.addressee(person),
        salutation=salutation.salutation(person),
        call_date=dutch_date(timezone.localdate(call["called_at"])) if call else "",
        call_contact_name=salutation.in_text(person) if call else "",
        agreements=agreements,
        inspector=_inspector(case.assignee_id),
    )


def letter_html(
    letter: ConfirmationLetter, *, problems: Sequence[str] = (), address_problem: bool = False
) -> str:
    """The letter's HTML, in NFC (a name typed with combining accents is drawn with the
    precomposed letters of the bundled fonts). For a draft, `problems` are the failed issuing
    checks, printed in a box on its first page, and `address_problem` outlines the envelope
    window around an address that does not fit."""
    context = {"letter": letter, "problems": list(problems), "address_problem": address_problem}
    with translation.override("nl"):
        html = render_to_string(CONFIRMATION_TEMPLATE, context)
    return unicodedata.normalize("NFC", html)


def render_confirmation_letter(
    case: Case, *, draft: bool = False, today: dt.date | None = None
) -> bytes:
    """The confirmation letter as PDF bytes (a draft carries the CONCEPT watermark)."""
    return render_pdf(letter_html(build_confirmation_letter(case, draft=draft, today=today)))


def files_fingerprint(paths: Iterable[Path]) -> str:
    """sha256 over the names and contents of `paths` (a document's template files)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def template_fingerprint() -> str:
    """Changes whenever the letter's look or text changes."""
    return files_fingerprint(TEMPLATE_FILES)


# ---------------------------------------------------------------------------
# Issuing: render first (no lock, no transaction), then the service commits


def _render_checked(letter: ConfirmationLetter, case: Case) -> bytes:
    return _render_html(letter_html(letter), case)


def _render_html(html: str, case: Case) -> bytes:
    try:
        return render_pdf(html)
    except Exception as exc:
        # The traceback names no melder data: the letter never reads any.
        logger.exception("Rendering the letter for case %s failed", case.pk)
        raise ServiceError(
            _(
                "The letter could not be generated. The case has not been changed; try again "
                "later or contact the functional administrator."
            ),
            code="render_failed",
        ) from exc


def render_draft(case: Case) -> bytes:
    """The draft (CONCEPT) letter for previewing, with the issuing checks it fails on its first
    page (`cases.letter_checks`); a failure to render is a Dutch ServiceError."""
    from cases.letter_checks import ADDRESS, issuing_problems

    today = timezone.localdate()
    letter = build_confirmation_letter(case, draft=True, today=today)
    problems = issuing_problems(case, letter, today=today)
    html = letter_html(
        letter,
        problems=[p.message for p in problems],
        address_problem=any(p.check == ADDRESS for p in problems),
    )
    return _render_html(html, case)


def render_final(
    case: Case, *, before_render: Callable[[ConfirmationLetter, dt.date], None] | None = None
) -> tuple[bytes, LetterCheck]:
    """The final letter's bytes, and the check the service runs under the lock: it reads the
    letter's data again and refuses when it differs from what was rendered (say, the
    employer's address or the inspector's phone number was edited in the meantime).

    `before_render` gets the letter's context and date first, and may refuse (raise) before
    anything is rendered: the issuing checks (`cases.letter_checks`)."""
    today = timezone.localdate()
    letter = build_confirmation_letter(case, today=today)
    if before_render is not None:
        before_render(letter, today)
    pdf = _render_checked(letter, case)

    def check_unchanged(locked: Case) -> None:
        now = build_confirmation_letter(locked, today=today)
        if replace(now, created="") != replace(letter, created=""):
            raise ServiceError(
                _(
                    "The data in the letter changed while it was being generated. Nothing "
                    "has been recorded; check the case and try again."
                ),
                code="letter_outdated",
            )

    return pdf, check_unchanged


def load_case(case: Case | int) -> Case:
    """The case with only the fields a letter reads: the melding's description is not even
    loaded."""
    pk = case.pk if isinstance(case, Case) else case
    try:
        return Case.objects.only(*CASE_FIELDS).get(pk=pk)
    except Case.DoesNotExist as exc:
        raise ServiceError(_("This case does not exist."), code="not_found") from exc


def download_filename(letter: Letter) -> str:
    return f"{letter.case.reference}-brief-v{letter.number}.pdf"
