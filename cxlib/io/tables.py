"""The canonical tables a client's data is mapped onto.

Each table is described by a :class:`TableSpec`: its columns, their kinds and
ranges, and the header names clients' tools commonly export for them (aliases,
matched case-insensitively after the explicit mapping in the parameters).
The loader (:mod:`cxlib.io.loading`) validates every file against its spec; the
README's table reference is generated from these specs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["id", "text", "category", "int", "float", "date", "month", "bool"]


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``kind`` decides how cells are parsed: ``id`` and ``text`` stay strings,
    ``category`` is a short label, ``int``/``float`` accept German and English
    number formats, ``date`` accepts 31.12.2025 and 2025-12-31, ``month``
    accepts 12.2025, 2025-12 or any date in that month, ``bool`` accepts
    ja/nein, j/n, wahr/falsch, true/false, yes/no, x/leer, 1/0.
    """

    name: str
    kind: ColumnKind
    description: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its columns and which of them form a unique key.

    ``prefix_columns`` names column-name prefixes that are accepted in any
    number (for example ``item_`` for survey driver items); such columns are
    parsed as ``prefix_kind``.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()
    prefix_columns: tuple[str, ...] = ()
    prefix_kind: ColumnKind = "float"
    prefix_range: tuple[float | None, float | None] = (None, None)
    _by_name: dict[str, Column] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        """Return the column called ``name`` (a prefix column gets a generated spec)."""
        if name in self._by_name:
            return self._by_name[name]
        for prefix in self.prefix_columns:
            if name.startswith(prefix):
                low, high = self.prefix_range
                return Column(name, self.prefix_kind, "Treiber-Item", minimum=low, maximum=high)
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the columns every file of this table must have."""
        return tuple(c.name for c in self.columns if c.required)


# German tools export a handful of typical headers for each column; these are
# matched case-insensitively, ignoring spaces, dots, hyphens and underscores.
CUSTOMERS = TableSpec(
    name="customers",
    description="Kunden und Verträge: eine Zeile je Kunde.",
    columns=(
        Column(
            "customer_id",
            "id",
            "Kundennummer (pseudonym)",
            required=True,
            aliases=("Kundennummer", "Kunden-Nr", "KdNr", "Kundennr", "Kunde", "ID"),
        ),
        Column(
            "start_date",
            "date",
            "Vertragsbeginn bzw. Kunde seit",
            required=True,
            aliases=("Vertragsbeginn", "Kunde seit", "Beginn", "Startdatum", "Erstkauf"),
        ),
        Column(
            "end_date",
            "date",
            "Vertragsende; leer, solange der Kunde aktiv ist",
            aliases=("Vertragsende", "Kündigungsdatum", "Ende", "Enddatum"),
        ),
        Column(
            "segment",
            "category",
            "Kundensegment (z. B. Privat, Gewerbe)",
            aliases=("Segment", "Kundengruppe", "Kundentyp"),
        ),
        Column("product", "category", "Produkt oder Tarif", aliases=("Tarif", "Produkt")),
        Column("region", "category", "Region oder Gebiet", aliases=("Region", "Gebiet", "Ort")),
        Column(
            "channel",
            "category",
            "Gewinnungskanal",
            aliases=("Kanal", "Vertriebskanal", "Akquisekanal"),
        ),
        Column(
            "revenue_month",
            "float",
            "Umsatz pro Monat in Euro",
            minimum=0,
            aliases=("Umsatz/Monat", "Monatsumsatz", "Abschlag", "Umsatz pro Monat"),
        ),
        Column(
            "churn_reason",
            "category",
            "Kündigungsgrund (wenn gekündigt)",
            aliases=("Kündigungsgrund", "Grund"),
        ),
        Column(
            "upgrade_date",
            "date",
            "Datum des letzten Up- oder Cross-Sells",
            aliases=("Upgrade", "Upgrade-Datum", "Zusatzprodukt seit"),
        ),
    ),
    unique=("customer_id",),
)

TRANSACTIONS = TableSpec(
    name="transactions",
    description="Käufe (für nicht-vertragliche Geschäftsmodelle): eine Zeile je Kauf.",
    columns=(
        Column("transaction_id", "id", "Belegnummer", aliases=("Belegnummer", "Bon", "Bon-Nr")),
        Column(
            "customer_id",
            "id",
            "Kundennummer (pseudonym)",
            required=True,
            aliases=("Kundennummer", "Kunden-Nr", "Kundenkarte", "Karten-Nr"),
        ),
        Column("date", "date", "Kaufdatum", required=True, aliases=("Datum", "Kaufdatum")),
        Column(
            "amount",
            "float",
            "Betrag in Euro",
            required=True,
            minimum=0,
            aliases=("Betrag", "Umsatz", "Summe"),
        ),
        Column("category", "category", "Warengruppe", aliases=("Warengruppe", "Kategorie")),
        Column("store", "category", "Filiale oder Kanal", aliases=("Filiale", "Kanal")),
    ),
    unique=("transaction_id",),
)

SURVEY = TableSpec(
    name="survey",
    description="Umfrageantworten: eine Zeile je Antwort.",
    columns=(
        Column(
            "response_id",
            "id",
            "Antwortnummer",
            required=True,
            aliases=("Antwort-ID", "Antwortnummer", "Response ID", "Fragebogen-Nr"),
        ),
        Column(
            "customer_id",
            "id",
            "Kundennummer (optional, pseudonym)",
            aliases=("Kundennummer", "Kunden-Nr"),
        ),
        Column(
            "date", "date", "Datum der Antwort", required=True, aliases=("Datum", "Antwortdatum")
        ),
        Column("phase", "category", "Journey-Phase", aliases=("Phase", "Journey-Phase")),
        Column("touchpoint", "category", "Kontaktpunkt", aliases=("Kontaktpunkt", "Touchpoint")),
        Column("wave", "category", "Befragungswelle", aliases=("Welle", "Befragungswelle")),
        Column("segment", "category", "Kundensegment", aliases=("Segment", "Kundengruppe")),
        Column(
            "nps",
            "int",
            "Weiterempfehlung 0-10",
            minimum=0,
            maximum=10,
            aliases=("NPS", "Weiterempfehlung", "Empfehlung"),
        ),
        Column(
            "csat",
            "int",
            "Zufriedenheit 1-5",
            minimum=1,
            maximum=5,
            aliases=("CSAT", "Zufriedenheit"),
        ),
        Column(
            "ces",
            "int",
            "Kundenaufwand 1-7",
            minimum=1,
            maximum=7,
            aliases=("CES", "Aufwand", "Kundenaufwand"),
        ),
        Column(
            "comment",
            "text",
            "Freitext-Kommentar (wird nie im Bericht gezeigt)",
            aliases=("Kommentar", "Freitext", "Anmerkung"),
        ),
    ),
    unique=("response_id",),
    prefix_columns=("item_",),
    prefix_kind="float",
)

TICKETS = TableSpec(
    name="tickets",
    description="Servicefälle und Beschwerden: eine Zeile je Ticket.",
    columns=(
        Column(
            "ticket_id",
            "id",
            "Ticketnummer",
            required=True,
            aliases=("Ticketnummer", "Ticket-Nr", "Vorgang", "Fallnummer"),
        ),
        Column(
            "customer_id",
            "id",
            "Kundennummer (pseudonym)",
            required=True,
            aliases=("Kundennummer", "Kunden-Nr"),
        ),
        Column(
            "opened",
            "date",
            "Eröffnet am",
            required=True,
            aliases=("Eröffnet", "Erstellt", "Eingang", "Datum"),
        ),
        Column("closed", "date", "Geschlossen am", aliases=("Geschlossen", "Erledigt")),
        Column("category", "category", "Kategorie", aliases=("Kategorie", "Thema", "Anliegen")),
        Column("phase", "category", "Journey-Phase", aliases=("Phase", "Journey-Phase")),
        Column(
            "reopened",
            "bool",
            "Wieder geöffnet (ja/nein)",
            aliases=("Wiedereröffnet", "Wieder geöffnet"),
        ),
        Column("channel", "category", "Kontaktkanal", aliases=("Kanal", "Kontaktkanal")),
    ),
    unique=("ticket_id",),
)

MATURITY = TableSpec(
    name="maturity",
    description="Antworten zum CX-Reifegrad: eine Zeile je Person und Aussage.",
    columns=(
        Column(
            "respondent",
            "id",
            "Person oder Rolle (pseudonym)",
            required=True,
            aliases=("Teilnehmer", "Person", "Rolle", "Befragter"),
        ),
        Column(
            "department", "category", "Abteilung", required=True, aliases=("Abteilung", "Bereich")
        ),
        Column(
            "item", "id", "Aussage, z. B. D1.2", required=True, aliases=("Aussage", "Frage", "Item")
        ),
        Column(
            "score",
            "int",
            "Bewertung 0-4; leer = weiß nicht",
            minimum=0,
            maximum=4,
            aliases=("Bewertung", "Punkte", "Wert"),
        ),
        Column("wave", "category", "Erhebungswelle", aliases=("Welle", "Erhebung")),
    ),
    unique=("wave", "respondent", "item"),
)

SIGNALS = TableSpec(
    name="signals",
    description="Frühwarnsignale je Kunde und Monat (optional).",
    columns=(
        Column(
            "customer_id",
            "id",
            "Kundennummer (pseudonym)",
            required=True,
            aliases=("Kundennummer", "Kunden-Nr"),
        ),
        Column(
            "month", "month", "Monat, z. B. 03.2025", required=True, aliases=("Monat", "Periode")
        ),
        Column(
            "usage",
            "float",
            "Nutzung (z. B. Verbrauch, Logins)",
            minimum=0,
            aliases=("Nutzung", "Verbrauch"),
        ),
        Column(
            "days_to_pay", "float", "Tage bis zur Zahlung", aliases=("Zahlungsdauer", "Zahltage")
        ),
        Column(
            "contacts",
            "int",
            "Anfragen im Monat",
            minimum=0,
            aliases=("Kontakte", "Anfragen", "Rückfragen"),
        ),
    ),
    unique=("customer_id", "month"),
)

#: All canonical tables by name, in report order.
TABLES: dict[str, TableSpec] = {
    spec.name: spec for spec in (CUSTOMERS, TRANSACTIONS, SURVEY, TICKETS, MATURITY, SIGNALS)
}

#: Header names that suggest personal data. Such columns are never loaded,
#: even when mapped, and are listed as ignored in the data-quality appendix.
PERSONAL_DATA_HEADERS: tuple[str, ...] = (
    "name",
    "vorname",
    "nachname",
    "firma",
    "e-mail",
    "email",
    "mail",
    "telefon",
    "tel",
    "mobil",
    "handy",
    "strasse",
    "straße",
    "adresse",
    "anschrift",
    "plz",
    "postleitzahl",
    "iban",
    "bic",
    "geburtsdatum",
    "geburtstag",
    "ansprechpartner",
)


_KIND_TEXT = {
    "id": "Text (Kennung)",
    "text": "Text",
    "category": "Text (Kategorie)",
    "int": "ganze Zahl",
    "float": "Zahl",
    "date": "Datum",
    "month": "Monat",
    "bool": "ja/nein",
}


def markdown_reference() -> str:
    """The canonical tables as Markdown (the README's data reference is this text)."""
    lines = []
    for spec in TABLES.values():
        key = ", ".join(spec.unique) if spec.unique else "–"
        lines += [f"#### `{spec.name}`: {spec.description}", "", f"Eindeutig: {key}", ""]
        lines += ["| Spalte | Typ | Pflicht | Bereich | Erkannte Überschriften | Bedeutung |"]
        lines += ["|---|---|---|---|---|---|"]
        for c in spec.columns:
            low = "" if c.minimum is None else f"{c.minimum:g}"
            high = "" if c.maximum is None else f"{c.maximum:g}"
            span = f"{low}–{high}" if (low or high) else ""
            aliases = ", ".join(c.aliases)
            required = "ja" if c.required else ""
            lines.append(
                f"| `{c.name}` | {_KIND_TEXT[c.kind]} | {required} | {span} | {aliases} "
                f"| {c.description} |"
            )
        if spec.prefix_columns:
            prefixes = ", ".join(f"`{p}…`" for p in spec.prefix_columns)
            lines.append(f"| {prefixes} | {_KIND_TEXT[spec.prefix_kind]} | | | | Treiber-Items |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
