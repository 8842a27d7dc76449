"""Pickles whose text columns travel as Arrow buffers: written without copies, read mapped.

``cxwb run`` hands a client's loaded data to its notebook kernel as a file
(:mod:`cxlib.runner.handoff`). A plain pickle copies every Arrow-backed text
column on the way out (pandas joins its chunks into a second buffer and keeps
every copy alive until the whole pickle is written: 550 MB more in the run's
process for a client with ten million purchases) and reads each back as bytes.
:func:`dump` pickles everything else as usual but writes

* every ``string[pyarrow]`` array (:class:`~pandas.arrays.ArrowStringArray`)
  as Arrow IPC record batches, straight from its buffers, and
* every object-dtype :class:`pandas.Index` of text (the customer numbers behind
  the shared customer categorical, :mod:`cxlib.io.customer_codes`) and every
  object array of text (a column of customer numbers as ``str``) as one Arrow
  array instead of a million pickled Python strings (which the pickle would
  also remember one by one while writing and reading: 100 MB a million),

after the pickle in the same file. :func:`load` memory-maps that part: a text
column is used where it lies in the file (pages the analyses never touch, such
as the receipt numbers, are never read). The same object pickled twice comes
back as one object, so the tables still share one customer dtype.

``shared`` objects (for the testing family: the customer categories of the
data already handed over) are not written at all, only named; ``load`` asks
its ``shared`` function for them by name, so that the family's results use
the very categories of the kernel's data (comparing two categoricals of the
same categories object costs nothing; of equal copies, hashing a million
numbers).

File layout: :data:`MAGIC` (8 bytes), the pickle's length (8 bytes, little
endian), the pickle, zero bytes up to a multiple of 64, an Arrow IPC file of
one ``large_string`` column (each array's chunks are consecutive batches).
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import infer_dtype
from pandas.arrays import ArrowStringArray

__all__ = ["MAGIC", "dump", "load"]

#: The first bytes of a file written by :func:`dump`.
MAGIC = b"CXPICKA1"
_HEAD = len(MAGIC) + 8
_ALIGN = 64  # Arrow's buffer alignment
_TEXT = pa.large_string()
_SCHEMA = pa.schema([pa.field("text", _TEXT)])
#: Text indexes and object arrays of text from this length on go as Arrow (shorter ones,
#: such as column names, as usual).
_MIN_TEXTS = 256

#: Resolves the name of a shared object (see :func:`load`).
Shared = Callable[[str], object]
#: Opens the file's Arrow part when it is first needed.
Batches = Callable[[], pa.ipc.RecordBatchFileReader]


class _Pickler(pickle.Pickler):
    """Sets text arrays and text indexes aside (their batches) and names shared objects."""

    def __init__(self, handle: io.BufferedWriter, shared: Mapping[str, object]) -> None:
        super().__init__(handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.chunks: list[pa.Array] = []
        self._shared = {id(value): name for name, value in shared.items()}
        self._seen: dict[int, tuple[object, ...]] = {}
        self._alive: list[object] = []  # ids stay unique while the pickle is written

    def persistent_id(self, obj: object) -> tuple[object, ...] | None:
        key = id(obj)
        if key in self._shared:
            return ("shared", self._shared[key])
        if key in self._seen:
            return self._seen[key]
        found = self._set_aside(obj)
        if found is not None:
            self._seen[key] = found
            self._alive.append(obj)
        return found

    def _set_aside(self, obj: object) -> tuple[object, ...] | None:
        cls = type(obj)
        if isinstance(obj, ArrowStringArray) and obj._pa_array.type == _TEXT:
            state = {k: v for k, v in obj.__dict__.items() if k != "_pa_array"}
            return ("array", len(self._seen), *self._add(obj._pa_array.chunks), (cls, state))
        if isinstance(obj, pd.Index) and cls is pd.Index and len(obj) >= _MIN_TEXTS:
            text = _texts(obj.to_numpy()) if obj.dtype == object else None
            return None if text is None else ("index", len(self._seen), *self._add(text), obj.name)
        if isinstance(obj, np.ndarray) and cls is np.ndarray and obj.size >= _MIN_TEXTS:
            if obj.dtype != object or obj.ndim > 2 or not obj.flags.c_contiguous:
                return None
            text = _texts(obj.ravel())
            return None if text is None else ("texts", len(self._seen), *self._add(text), obj.shape)
        return None

    def _add(self, chunks: list[pa.Array]) -> tuple[int, int]:
        first = len(self.chunks)
        self.chunks += chunks
        return first, len(chunks)


def _texts(values: np.ndarray) -> list[pa.Array] | None:
    """``values`` (objects) as Arrow text when all are Python strings, else None.

    Only exact ``str``: a subclass (``numpy.str_``) would come back as ``str``.
    """
    if infer_dtype(values, skipna=False) != "string" or set(map(type, values)) != {str}:
        return None
    try:
        return [pa.array(values, type=_TEXT)]
    except (pa.ArrowException, TypeError, ValueError):  # e.g. unpaired surrogates
        return None


def dump(value: object, path: Path, shared: Mapping[str, object] | None = None) -> None:
    """Write ``value`` to ``path``; ``shared`` objects are only named (see the module doc)."""
    with path.open("wb") as handle:
        handle.write(MAGIC + bytes(8))
        pickler = _Pickler(handle, shared or {})
        pickler.dump(value)
        length = handle.tell() - _HEAD
        handle.write(bytes(-handle.tell() % _ALIGN))
        with pa.ipc.new_file(handle, _SCHEMA) as writer:
            for chunk in pickler.chunks:
                writer.write_batch(pa.record_batch([chunk], schema=_SCHEMA))
        handle.seek(len(MAGIC))
        handle.write(length.to_bytes(8, "little"))


class _Unpickler(pickle.Unpickler):
    """Rebuilds the arrays and indexes :class:`_Pickler` set aside, each once."""

    def __init__(self, handle: io.BufferedReader, batches: Batches, shared: Shared | None) -> None:
        super().__init__(handle)
        self._batches = batches
        self._shared = shared
        self._made: dict[int, object] = {}

    def persistent_load(self, pid: tuple[object, ...]) -> object:
        kind, number = pid[0], pid[1]
        if kind == "shared":
            if self._shared is None:
                raise pickle.UnpicklingError(f"no shared object {number!r} given")
            return self._shared(str(number))
        if not isinstance(number, int) or kind not in ("array", "index", "texts"):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        if number not in self._made:
            self._made[number] = self._make(pid)
        return self._made[number]

    def _make(self, pid: tuple[object, ...]) -> object:
        kind, _, first, count, extra = pid
        assert isinstance(first, int) and isinstance(count, int)
        reader = self._batches()
        chunks = [reader.get_batch(i).column(0) for i in range(first, first + count)]
        if kind == "index":
            text = pa.chunked_array(chunks, type=_TEXT)
            return pd.Index(text.to_numpy(), dtype=object, name=extra)
        if kind == "texts":
            shape = cast("tuple[int, ...]", extra)
            text = pa.chunked_array(chunks, type=_TEXT)
            return np.asarray(text.to_numpy(), dtype=object).reshape(shape)
        cls, state = cast("tuple[type[ArrowStringArray], dict[str, object]]", extra)
        array = object.__new__(cls)
        array.__dict__.update(state)  # as pandas' own __setstate__ does
        array._pa_array = pa.chunked_array(chunks, type=_TEXT)
        return array


def load(path: Path, shared: Shared | None = None) -> object:
    """The value :func:`dump` wrote to ``path``; ``shared(name)`` gives the named objects.

    The text arrays point into the memory-mapped file: it may be removed
    afterwards (the mapping stays), but must not be overwritten in place.
    """
    reader: list[pa.ipc.RecordBatchFileReader] = []

    def batches() -> pa.ipc.RecordBatchFileReader:
        if not reader:
            mapped = pa.memory_map(str(path)).read_buffer()
            start = _HEAD + length
            reader.append(pa.ipc.open_file(mapped.slice(start + (-start % _ALIGN))))
        return reader[0]

    with path.open("rb") as handle:
        head = handle.read(_HEAD)
        if head[: len(MAGIC)] != MAGIC:
            raise pickle.UnpicklingError(f"{path} was not written by cxlib.runner.arrow_pickle")
        length = int.from_bytes(head[len(MAGIC) :], "little")
        return _Unpickler(handle, batches, shared).load()
