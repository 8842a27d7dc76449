"""Where each row of a loaded table came from: file, Excel row numbers, headers.

The loader puts an :class:`Origin` into ``frame.attrs["source"]`` so that a
later check (e.g. the maturity analysis) can name the file, the row as the
user sees it in Excel and the client's own column header. pandas deep-copies
``attrs`` into every derived frame and series; a plain dict holding 20,000
row numbers made that copy cost seconds per report. An :class:`Origin` is
immutable, so its deep copy is the object itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np


class Origin(Mapping[str, Any]):
    """Read-only ``{"file", "rows", "headers"}`` that pandas can copy for free."""

    __slots__ = ("_data",)

    def __init__(self, file: str, rows: Any, headers: Mapping[str, str]):
        frozen_rows = np.asarray(rows, dtype=np.int64).copy()
        frozen_rows.flags.writeable = False
        self._data = {"file": str(file), "rows": frozen_rows, "headers": dict(headers)}

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __deepcopy__(self, memo: dict[int, Any]) -> Origin:
        return self

    def __copy__(self) -> Origin:
        return self

    def __repr__(self) -> str:
        return f"Origin({self._data['file']!r}, {len(self._data['rows'])} rows)"
