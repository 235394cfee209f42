"""Filters for the letter templates (`templates/cases/letters/`): typography only.

`keep_whole` prints a name, address, e-mail address, reference or phone number so that the
PDF never breaks it inside a word: no automatic hyphenation (`.keep` sets `hyphens: manual`),
no line break after a hyphen, slash or dot inside a word (each such word is `.nowrap`), and an
e-mail address breaks, only when it must, before its "@". Line breaks between words stay
possible, so a long employer name still wraps. Copy-paste and search in the PDF then return
the name as it was typed.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Characters after which a line may break (UAX #14), so a word containing them stays whole.
_BREAKABLE = frozenset("-/.‐–—")


def _word(word: str) -> str:
    if "@" in word:
        local, _at, domain = word.partition("@")
        return (
            f'<span class="nowrap">{escape(local)}</span><wbr>'
            f'<span class="nowrap">@{escape(domain)}</span>'
        )
    if _BREAKABLE.intersection(word):
        return f'<span class="nowrap">{escape(word)}</span>'
    return str(escape(word))


@register.filter
def keep_whole(value: object) -> SafeString:
    """`value` (escaped) with breaks only between its words; empty stays empty."""
    words = str(value or "").split()
    if not words:
        return mark_safe("")
    inner = " ".join(_word(word) for word in words)
    return mark_safe(f'<span class="keep">{inner}</span>')  # noqa: S308 - every part escaped
