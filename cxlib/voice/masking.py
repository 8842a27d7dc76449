"""Personal details out of free text before a comment leaves the client's data.

A comment goes beside the report (the call-back list) only masked: every
e-mail address, web address, phone number, IBAN, customer or contract number,
street address and name after a salutation or signature phrase is replaced
by :data:`MASK`. Transparent rules (regular expressions), no model: names
without such a phrase ("… sagte Müller") are not found, so comments are never
shown in the HTML report, only in the file for the client's own team, who
hold those details anyway.
"""

from __future__ import annotations

import re

#: What replaces a personal detail.
MASK = "***"

_WORD = r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
_PATTERNS = (
    # e-mail addresses (also with " at " / "(at)" spelled out)
    re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\.[\w-]+)+", re.IGNORECASE),
    # web addresses
    re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE),
    # IBAN: two letters, two digits, 11-30 more characters, spaces allowed in groups
    re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b"),
    # customer, contract, meter or ticket numbers: a keyword and the number after it
    re.compile(
        r"\b(?:Kunden|Vertrags|Zähler|Konto|Ticket|Rechnungs|Auftrags)[- ]?(?:nummer|nr\.?)"
        r"\s*[:.]?\s*[\w/-]*\d[\w/-]*",
        re.IGNORECASE,
    ),
    # street addresses: "…straße 12", "…str. 5a", "…weg 3", "…platz 1"
    re.compile(
        r"\b[\wäöüß.-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm)\s*\d+\s*[a-z]?\b",
        re.IGNORECASE,
    ),
    # phone numbers: +49 …, 0… with at least 6 digits, separators / - space ( )
    re.compile(r"(?<![\w])(?:\+\d{1,3}|0)[\d\s/()-]{5,}\d"),
    # any other run of five or more digits (ids, account numbers)
    re.compile(r"\b\d{5,}\b"),
    # names after a salutation, a title or "Name ist"
    re.compile(
        rf"\b(?:Herrn?|Frau|Hr\.|Fr\.|Dr\.|Familie|Name ist|heiße|hieß|Mitarbeiter(?:in)?)"
        rf"\s+(?:(?:Dr|Prof)\.\s+)*(?:{_WORD}\s+)?{_WORD}"
    ),
    # a signature: "Gruß/Grüße/VG/LG/MfG" and the name after it
    re.compile(
        rf"\b(?:Grüßen?|Gruß|Grüße|VG|LG|MfG|Viele Grüße|Liebe Grüße),?\s+{_WORD}(?:\s+{_WORD})?"
    ),
    # a customer number as the demo data writes it (K-002789)
    re.compile(r"\b[A-Z]{1,3}-\d{3,}\b"),
)


def mask(text: str) -> str:
    """``text`` with every personal detail the rules find replaced by :data:`MASK`."""
    out = text
    for pattern in _PATTERNS:
        out = pattern.sub(MASK, out)
    return out


def mostly_personal(text: str, masked: str | None = None) -> bool:
    """True when masking removed half of the comment or more (then it is not worth quoting)."""
    masked = mask(text) if masked is None else masked
    kept = len(masked.replace(MASK, "").strip(" .,;:!?-"))
    return kept < len(text.strip()) / 2
