"""Files for the client's teams beside the report (risk list, watch list).

They open in Excel by double-click as German users expect: ``;`` between
fields, a decimal comma in German, UTF-8 with BOM so umlauts survive. They
carry pseudonymous customer numbers only and never enter the HTML report.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_excel_csv(frame: pd.DataFrame, path: str | Path, lang: str = "de") -> Path:
    """Write ``frame`` to ``path`` as an Excel-friendly CSV in the report's language."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(
        path, sep=";", decimal="," if lang == "de" else ".", index=False, encoding="utf-8-sig"
    )
    return path
