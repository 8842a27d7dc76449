"""`cxwb new`: a parameter file and empty data templates for a new client."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from cxlib.exceptions import ParameterError
from cxlib.io.tables import TABLES

#: The German file names of the data templates.
TEMPLATE_FILES = {
    "customers": "kunden.csv",
    "transactions": "kaeufe.csv",
    "survey": "umfrage.csv",
    "tickets": "servicefaelle.csv",
    "maturity": "reifegrad.csv",
    "signals": "fruehwarnsignale.csv",
}

_PARAMETERS = """\
# Parameterdatei für {client_id}: die einzige Quelle für einen Lauf.
# Prüfen:   cxwb validate {params_path}
# Bericht:  cxwb run {params_path}
# Editor-Unterstützung: JSON Schema mit `cxwb schema --out docs/parameters.schema.json`.
schema_version: 1
client:
  id: {client_id}
  name: "{name}"          # wie im Bericht gezeigt
  # industry: Energieversorgung
  # size_class: mittel     # klein | mittel | groß
  # loyalty_cards: true    # Kunden = Kundenkarten (eine Kundennummer je Karte)
language: de              # de oder en
consultant: "{consultant}"
report_date: {today}
business_model: {business_model}   # contractual (Verträge) oder non_contractual (Wiederkäufe)

# Datendateien relativ zu dieser Datei. Vorlagen mit den erwarteten Spalten
# liegen in {data_rel}/vorlagen/. Eigene Spaltenüberschriften unter `columns`
# zuordnen, z. B. {{"Kd-Nr.": customer_id}}.
data: {{}}
#  customers:
#    file: {data_rel}/kunden.csv
#    columns: {{}}
#  transactions:            # Käufe; ohne Kundentabelle wird sie aus den Käufen abgeleitet
#    file: {data_rel}/kaeufe.csv
#  survey:
#    file: {data_rel}/umfrage.csv
#  tickets:
#    file: {data_rel}/servicefaelle.csv
#  maturity:
#    file: {data_rel}/reifegrad.csv

workshop:
  journeys: []
  #  - id: startphase
  #    name: Startphase
  #    ratings:
  #      - {{participant: Geschäftsführung, haeufigkeit: 5, schaden: 4, machbarkeit: 4}}
  pain_points: []
  measures: []

branding:
  accent_color: "#1f5f8b"
  # logo: {data_rel}/logo.png

analysis:
  {cutoff_line}
{inactivity_block}"""

#: What `cxwb new` writes where the consultant's name belongs (``validate`` reports it).
CONSULTANT_PLACEHOLDER = "Vorname Nachname"


def placeholders(consultant: str | None, journeys: int) -> list[str]:
    """The keys that still hold what `cxwb new` wrote: ``consultant``, ``workshop.journeys``.

    For ``cxwb validate`` (a scaffold's placeholder must not reach the cover)
    and the workshop (its writer is never the placeholder).
    """
    found = []
    if (consultant or "").strip() in ("", CONSULTANT_PLACEHOLDER):
        found.append("consultant")
    if journeys == 0:
        found.append("workshop.journeys")
    return found


#: The data cut-off line: set, or a hint (without it the last date in the data is the cut-off).
_CUTOFF = "data_cutoff: {date}   # Datenstand: Tag der letzten Daten im Export"
_CUTOFF_HINT = (
    "data_cutoff: null   # Datenstand: Tag der letzten Daten im Export, z. B. 2025-12-31; "
    "null: der letzte Tag in den Daten"
)
#: Without contracts a customer counts as lost after this many days without a purchase.
_INACTIVITY = """  survival:
    inactivity_days: 180   # so viele Tage ohne Kauf gelten als abgewandert
"""


def template_header(table: str) -> list[str]:
    """The headers of a data template: the first German alias of each column."""
    spec = TABLES[table]
    return [c.aliases[0] if c.aliases else c.name for c in spec.columns]


def new_client(
    client_id: str,
    params_dir: Path,
    data_dir: Path,
    name: str | None = None,
    *,
    business_model: Literal["contractual", "non_contractual"] = "contractual",
    data_cutoff: dt.date | None = None,
) -> list[Path]:
    """Write ``params_dir/<client_id>.yaml`` and data templates; never overwrite.

    ``business_model`` is written as given; a client without contracts also gets
    the inactivity rule to adapt. ``data_cutoff`` (the day of the last data in the
    export) is written when known, else a commented hint says what it is for.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", client_id):
        raise ParameterError(
            client_id,
            [("client.id", "nur Kleinbuchstaben, Ziffern, - und _ (z. B. muster-gmbh)")],
        )
    params_path = params_dir / f"{client_id}.yaml"
    client_data = data_dir / client_id
    if params_path.exists():
        raise ParameterError(params_path, [("", "existiert bereits; nichts überschrieben")])
    params_dir.mkdir(parents=True, exist_ok=True)
    templates = client_data / "vorlagen"
    templates.mkdir(parents=True, exist_ok=True)
    written = []
    for table, filename in TEMPLATE_FILES.items():
        path = templates / filename
        if not path.exists():
            path.write_text(";".join(template_header(table)) + "\n", encoding="utf-8-sig")
            written.append(path)
    try:
        data_rel = Path(client_data).resolve().relative_to(params_dir.resolve().parent)
        data_rel_text = f"../{data_rel.as_posix()}"
    except ValueError:
        data_rel_text = client_data.resolve().as_posix()
    params_path.write_text(
        _PARAMETERS.format(
            client_id=client_id,
            name=name or client_id,
            consultant=CONSULTANT_PLACEHOLDER,
            today=dt.date.today().isoformat(),
            data_rel=data_rel_text,
            params_path=params_path,
            business_model=business_model,
            cutoff_line=_CUTOFF.format(date=data_cutoff.isoformat())
            if data_cutoff
            else _CUTOFF_HINT,
            inactivity_block=_INACTIVITY if business_model == "non_contractual" else "",
        ),
        encoding="utf-8",
    )
    return [params_path, *written]
