"""Where the time of one run goes: a stopwatch for ``cxwb run --timings``.

The runner records its phases (validation, load, kernel wait, each notebook,
render, …) into one process-wide :class:`Stopwatch`, which ``cxwb run
--timings`` switches on and prints (off, it records nothing: a batch worker
running thousands of clients keeps no list). Phases that overlap (the kernels
boot while the data load; the notebooks start while the testing family is
computed; two kernels work at once) are listed as measured, so
their seconds may add up to more than the wall time, which is printed as well.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

__all__ = ["Stopwatch", "notebook_seconds", "process_age", "stopwatch"]


def process_age() -> float | None:
    """Seconds since this process was started (None where the OS does not say).

    Read from ``/proc/self/stat`` (Linux): the start tick of the process against
    the system's uptime, so the interpreter's own start-up is included.
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as uptime:
            now = float(uptime.read().split()[0])
    except (OSError, IndexError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return max(now - int(fields[19]) / ticks, 0.0)  # field 22 of stat: starttime


@dataclass
class Stopwatch:
    """Named phases with their seconds, in the order they ended (thread-safe)."""

    phases: list[tuple[str, float]] = field(default_factory=list)
    #: When False, :meth:`add` and :meth:`phase` record nothing.
    enabled: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, label: str, seconds: float) -> None:
        """Record ``seconds`` for ``label`` (when enabled)."""
        if not self.enabled:
            return
        with self._lock:
            self.phases.append((label, seconds))

    @contextmanager
    def phase(self, label: str) -> Iterator[None]:
        """Time the ``with`` block as ``label``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(label, time.perf_counter() - started)

    def clear(self) -> None:
        """Forget all phases (the start of a new run)."""
        with self._lock:
            self.phases.clear()

    def table(self, total: float | None = None) -> str:
        """The phases as aligned text lines, with ``total`` wall seconds last when given."""
        with self._lock:
            rows = list(self.phases)
        if total is not None:
            rows.append(("total (wall)", total))
        width = max((len(label) for label, _ in rows), default=0)
        return "\n".join(f"  {label:<{width}}  {seconds:6.2f} s" for label, seconds in rows)


#: The process-wide stopwatch the runner records into (switched on by ``--timings``).
stopwatch = Stopwatch(enabled=False)


def notebook_seconds(parts: Mapping[str, nbformat.NotebookNode]) -> dict[str, float]:
    """Seconds each executed notebook's cells took, from papermill's cell metadata."""
    out: dict[str, float] = {}
    for name, notebook in parts.items():
        total = 0.0
        for cell in notebook.cells:
            duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
            if isinstance(duration, int | float):
                total += float(duration)
        out[name] = total
    return out
