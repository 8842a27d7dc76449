"""Reading the stored maturity answers for the workshop: all waves, the workshop wave, one person.

The answers are read with the batch loader (``read_table``), so the workshop
sees exactly what a run sees; :class:`AnswerReader` keeps the last result and
reads the file again only when its bytes (or its options in the parameter
file) changed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxlib.io.loading import read_table
from cxlib.parameters.schema import ClientParameters
from cxlib.workshop.atomic import fingerprint

__all__ = ["AnswerReader", "respondent_content", "wave_rows", "wave_to_edit"]


class AnswerReader:
    """Every stored maturity answer of a client (all waves), cached by content hash."""

    def __init__(self) -> None:
        self._cache: tuple[Any, pd.DataFrame] | None = None

    def read(self, params: ClientParameters) -> pd.DataFrame:
        """The answers as the loader reads them (score as float, NaN = "weiß nicht").

        Empty, with the columns respondent, department, item and score, when
        the client has no maturity file. Raises the loader's DataError.
        """
        source = params.data.maturity
        if source is None:
            return pd.DataFrame(
                {
                    "respondent": pd.Series(dtype="string"),
                    "department": pd.Series(dtype="string"),
                    "item": pd.Series(dtype="string"),
                    "score": pd.Series(dtype=float),
                }
            )
        path = params.resolve(source.file)
        try:
            key = (str(path), source.model_dump_json(), fingerprint(path))
        except OSError:
            key = None
        cached = self._cache
        if key is not None and cached is not None and cached[0] == key:
            return cached[1].copy()
        frame = read_table("maturity", source, params.base_dir).frame.copy()
        frame["score"] = frame["score"].astype("Float64").astype(float)
        if key is not None:
            self._cache = (key, frame)
        return frame.copy()


def wave_to_edit(frame: pd.DataFrame, wanted: str | None) -> str | None:
    """The wave the workshop edits: ``wanted``, else the latest label (None without waves)."""
    if "wave" not in frame.columns:
        return None
    if wanted:
        return wanted
    waves = sorted(frame["wave"].dropna().astype(str).unique())
    return waves[-1] if waves else None


def wave_rows(frame: pd.DataFrame, wanted: str | None) -> pd.DataFrame:
    """The rows of the workshop wave (all rows when the answers have no waves)."""
    wave = wave_to_edit(frame, wanted)
    if wave is None:
        return frame
    part = frame[frame["wave"].astype("string") == wave].reset_index(drop=True)
    part.attrs = {}
    return part


def respondent_content(part: pd.DataFrame, respondent: str) -> list[Any]:
    """The stored answers of ``respondent`` as sorted (item, department, score) triples."""
    rows = part[part["respondent"].astype(str) == respondent]
    content = [
        (str(item), str(dept), None if pd.isna(score) else int(score))
        for item, dept, score in zip(rows["item"], rows["department"], rows["score"], strict=True)
    ]
    return sorted(content)
