"""The management summary: five to seven one-sentence statements with a traffic light.

Each report section contributes statements (with its key figure in the text);
this module orders them and adds the data-quality statement.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

from . import formatting as fmt
from .texts import t

Light = Literal["green", "amber", "red", "grey"]
MAX_STATEMENTS = 7


@dataclass(frozen=True)
class Statement:
    """One sentence of the management summary and its traffic light.

    ``grey`` means "for information" (no judgement).
    """

    text: str
    light: Light
    section: str

    def to_dict(self) -> dict[str, str]:
        """The statement as a JSON-ready dict."""
        return asdict(self)


def data_quality_statement(quality: pd.DataFrame, lang: str = "de") -> Statement:
    """How much of the client's data could be used, as one statement.

    ``quality`` is :meth:`cxlib.loading.ClientData.quality_frame`.
    """
    if quality.empty:
        return Statement(t("summary.no_data", lang), "amber", "appendix")
    read = int(quality["rows_read"].sum())
    rejected = int(quality["rows_rejected"].sum())
    light: Light = "green" if rejected == 0 else ("amber" if rejected / read < 0.05 else "red")
    text = t(
        "summary.quality",
        lang,
        tables=fmt.integer(len(quality), lang),
        rows=fmt.integer(read, lang),
        rejected=fmt.integer(rejected, lang),
    )
    return Statement(text, light, "appendix")


def compose(sections: list[dict], quality: pd.DataFrame, lang: str = "de") -> list[Statement]:
    """Order the sections' statements and add the data-quality one (at most seven).

    ``sections`` are the section records in report order, each with a
    ``summary`` list of statement dicts.
    """
    statements = [
        Statement(s["text"], s["light"], record["id"])
        for record in sections
        for s in record.get("summary", [])
    ]
    statements = statements[: MAX_STATEMENTS - 1]
    statements.append(data_quality_statement(quality, lang))
    return statements
