"""Files for the client's teams beside the report (the team's one call list).

They open in Excel by double-click as German users expect: ``;`` between
fields, a decimal comma in German, UTF-8 with BOM so umlauts survive. They
carry pseudonymous customer numbers only and never enter the HTML report.
A text cell that starts like a formula (= + - − @, a tab or a carriage
return: a masked customer comment such as "=HYPERLINK(…)") gets a leading
apostrophe, so that Excel shows the text instead of running it (CSV injection).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

#: First characters with which Excel and LibreOffice read a CSV cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "\u2212", "@", "\t", "\r")


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with an apostrophe before every text cell that starts like a formula."""

    def safe(value: object) -> object:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            return "'" + value
        return value

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe)
    return out


def write_excel_csv(frame: pd.DataFrame, path: str | Path, lang: str = "de") -> Path:
    """Write ``frame`` to ``path`` as an Excel-friendly, formula-safe CSV in ``lang``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    formula_safe(frame).to_csv(
        path, sep=";", decimal="," if lang == "de" else ".", index=False, encoding="utf-8-sig"
    )
    return path
