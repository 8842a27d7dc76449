"""Customer numbers as shared integer codes: hashed once at load time, for every analysis.

Every table's ``customer_id`` becomes a pandas categorical whose categories
are the same for all tables of a client: all customer numbers that occur in
any table, sorted as text. The same customer has the same code in every
table, so that grouping by customer, joining tables and mapping one table's
values onto another work on small integers instead of hashing ten million
text ids again in each analysis (a client with 10,000,000 purchases:
``benchmarks/bench_big_client.py``).

The values stay the client's customer numbers: comparing with a text, ``str``,
``astype(str)`` and the risk and call-back lists show the client's ids; only
the storage is codes. Because the categories are sorted, sorting by
``customer_id`` and ``groupby(..., sort=True)`` give the same order as the
text. Group with ``observed=True``: the shared categories include customers
that a table does not contain.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "CUSTOMER_ID",
    "customer_codes",
    "join_on_customer",
    "per_customer_date",
    "plain_numbers",
    "share_customer_codes",
]

#: The column that carries the customer number in every canonical table.
CUSTOMER_ID = "customer_id"


def _arrow(column: pd.Series) -> pa.ChunkedArray:
    """The column's values as Arrow strings (no copy for ``string[pyarrow]``)."""
    values = column.array
    if hasattr(values, "__arrow_array__"):
        cells = values.__arrow_array__()
        chunked = cells if isinstance(cells, pa.ChunkedArray) else pa.chunked_array([cells])
    else:
        chunked = pa.chunked_array([pa.array(column.astype(object), from_pandas=True)])
    if not pa.types.is_string(chunked.type) and not pa.types.is_large_string(chunked.type):
        chunked = pc.cast(chunked, pa.string())
    return chunked


def share_customer_codes(frames: Iterable[pd.DataFrame]) -> pd.CategoricalDtype | None:
    """Turn ``customer_id`` of every frame into a categorical with shared categories.

    The frames are changed in place (their other columns and ``attrs`` stay);
    returns the shared dtype, or None when no frame has a ``customer_id``.
    Missing numbers stay missing. All cells of all tables are hashed once
    together (Arrow's dictionary encoding); each distinct number's code is then
    its rank among the numbers sorted as text, found by sorting the distinct
    numbers only (eleven million cells: one hash pass instead of three).
    """
    holders = [frame for frame in frames if CUSTOMER_ID in frame.columns]
    if not holders:
        return None
    columns = [_arrow(frame[CUSTOMER_ID]).cast(pa.large_string()) for frame in holders]
    cells = pa.chunked_array([c for column in columns for c in column.chunks], pa.large_string())
    encoded = pc.dictionary_encode(cells).chunks
    # the numbers in order of first appearance: every chunk's dictionary is the one
    # built over all chunks so far, so the longest holds every number and the
    # positions of each chunk's indices in it
    numbers = max(
        (chunk.dictionary for chunk in encoded), key=len, default=pa.array([], pa.large_string())
    )
    order = pc.sort_indices(numbers).to_numpy()
    code_type = _code_type(len(numbers))
    rank = np.empty(len(numbers) + 1, code_type)
    rank[order] = np.arange(len(numbers), dtype=code_type)
    rank[-1] = -1  # a missing number: index -1
    codes = np.empty(len(cells), code_type)
    at = 0
    for chunk in encoded:  # each chunk's codes straight into place: no copy of all indices
        indices = chunk.indices
        if indices.null_count:
            indices = pc.fill_null(indices, -1)
        np.take(rank, indices.to_numpy(), out=codes[at : at + len(indices)])
        at += len(indices)
    # Python strings: pandas looks categories up faster in them than in Arrow strings
    categories = pd.Index(numbers.take(order).to_numpy(zero_copy_only=False), dtype=object)
    # once pandas has seen them strictly rising, it knows they are unique without hashing
    if not (categories.is_monotonic_increasing and categories.is_unique):
        raise AssertionError("customer numbers not sorted as text")  # sorted above
    dtype = pd.CategoricalDtype(categories, ordered=False)
    bounds = np.cumsum([0, *(len(column) for column in columns)])
    for frame, (begin, end) in zip(holders, itertools.pairwise(bounds), strict=True):
        frame[CUSTOMER_ID] = pd.Categorical.from_codes(codes[begin:end], dtype=dtype)
    return dtype


def _code_type(size: int) -> type[np.signedinteger]:
    """The smallest signed integer type the codes of ``size`` categories fit in."""
    for kind in (np.int8, np.int16, np.int32):
        if size < np.iinfo(kind).max:
            return kind
    return np.int64


def customer_codes(*columns: pd.Series) -> tuple[list[np.ndarray], pd.Index]:
    """The customer numbers of ``columns`` as integer codes in one numbering, and the numbers.

    Code ``i`` stands for ``numbers[i]``; -1 for a missing number. Codes
    increase with the numbers sorted as text. For columns loaded together
    (one shared categorical) these are the stored codes, without any hashing;
    other columns (frames built by hand) are numbered here.
    """
    dtype = columns[0].dtype
    if isinstance(dtype, pd.CategoricalDtype) and all(c.dtype == dtype for c in columns):
        return [c.cat.codes.to_numpy() for c in columns], dtype.categories
    joined = pd.concat([c.astype(object) for c in columns], ignore_index=True)
    codes, numbers = pd.factorize(joined, sort=True, use_na_sentinel=True)
    bounds = np.cumsum([0, *(len(c) for c in columns)])
    parts = [codes[start:end] for start, end in itertools.pairwise(bounds)]
    return parts, pd.Index(numbers)


def per_customer_date(
    ids: pd.Series, dates: pd.Series, of: pd.Series, how: str = "max"
) -> pd.Series:
    """The latest (``how="max"``) or earliest (``"min"``) date of each customer in ``of``.

    ``ids`` and ``dates`` are two columns of one table (for example purchases),
    ``of`` the customer numbers to look up (index kept); NaT where a customer
    has no date. The same as grouping ``dates`` by ``ids`` and mapping ``of``
    onto the result, on integer codes (no hashing of the numbers).
    """
    (codes, wanted), numbers = customer_codes(ids, of)
    out = dates_by_code(codes, dates, len(numbers) + 1, how)
    found = out[np.where(wanted >= 0, wanted, len(numbers))]  # the last slot stays NaT
    return pd.Series(found, index=of.index, name=dates.name)


def dates_by_code(codes: np.ndarray, dates: pd.Series, size: int, how: str = "max") -> np.ndarray:
    """The latest (``how="max"``) or earliest (``"min"``) of ``dates`` per customer code.

    ``codes`` are the rows' integer codes (negative: no customer number),
    ``size`` how many codes there are; NaT where a code has no date. The same
    as ``dates.groupby(codes).max()``, without hashing ten million codes
    (a tenth of the time).
    """
    values = dates.to_numpy(dtype="datetime64[ns]").view(np.int64)
    nat = np.iinfo(np.int64).min  # NaT
    known = (codes >= 0) & (values != nat)
    if how == "max":
        out = np.full(size, nat, np.int64)
        np.maximum.at(out, codes[known], values[known])
    elif how == "min":
        out = np.full(size, np.iinfo(np.int64).max, np.int64)
        np.minimum.at(out, codes[known], values[known])
        out[out == np.iinfo(np.int64).max] = nat
    else:
        raise ValueError(f"how={how!r}: min or max")
    return out.view("datetime64[ns]")


def customer_days(codes: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (customer code, day) pairs, sorted by customer and then day.

    ``days`` are dates of any resolution (cut to whole days); rows with a
    negative code (missing number) or NaT must be removed before. One sort of
    a packed 64-bit number instead of a two-key sort: a tenth of the time on
    ten million purchases.
    """
    day = days.astype("datetime64[D]").view(np.int64)
    if not len(day):
        return codes[:0].astype(np.int64), day.astype("datetime64[D]")
    low = int(day.min())
    span = int(day.max()) - low + 1
    if span * (int(codes.max()) + 1) >= 2**62:  # cannot happen for real dates; be safe
        order = np.lexsort((day, codes))
        pairs = np.stack([codes[order].astype(np.int64), day[order]])
        keep = np.r_[True, (np.diff(pairs, axis=1) != 0).any(axis=0)]
        return pairs[0, keep], pairs[1, keep].astype("datetime64[D]")
    key = codes.astype(np.int64)  # in place from here: one array of 80 MB, not four
    key *= span
    key += day
    key -= low
    del day
    key.sort()
    key = key[np.r_[True, key[1:] != key[:-1]]]
    customer, offset = np.divmod(key, span)
    del key
    offset += low
    return customer, offset.view("datetime64[D]")


def stable_order(key: np.ndarray) -> np.ndarray:
    """The positions that sort the non-negative integers ``key``, equal keys in their order.

    The same as ``np.argsort(key, kind="stable")``, but where the key and the
    row number fit together into 63 bits (a customer-day key of ten million
    purchases does) both are packed into one number and sorted as values:
    numpy sorts plain integers about seven times faster than it finds the
    order of them (10,000,000 keys: 0.1 against 0.7-1.4 s).
    """
    n = len(key)
    if not n:
        return np.zeros(0, dtype=np.int64)
    shift = max(int(n - 1).bit_length(), 1)
    top = int(key.max())
    if int(key.min()) < 0 or top.bit_length() + shift > 62:
        return np.argsort(key, kind="stable")
    packed = key.astype(np.int64)  # a copy, then in place: one array of n more, not three
    packed <<= shift
    packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    packed &= (1 << shift) - 1
    return packed


def group_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The sum of each run of ``values`` beginning at ``starts``, exactly as pandas sums groups.

    ``starts`` are the increasing first positions of consecutive groups (the
    first is 0). Missing values are skipped (a group of only missing values
    sums to 0) and the values are added in their order with pandas'
    compensated (Kahan) summation, so that the sums equal those of
    ``Series.groupby(...).sum()`` to the last bit, without hashing any key:
    one vectorised step per position in the groups (the groups' first values
    together, then the second values of the groups with two or more, …). The
    groups with more than one value are ordered by size, largest first, so
    that each step works on the leading part of their running sums.
    """
    values = np.asarray(values, dtype=float)
    n, groups = len(values), len(starts)
    if not n:
        return np.zeros(groups)
    sizes = np.diff(np.r_[starts, n])
    first = values[np.minimum(starts, n - 1)]
    # the first value of each group: 0 + v is v, without compensation (most groups end here)
    total = np.where((sizes > 0) & ~np.isnan(first), first, 0.0)
    longer = np.flatnonzero(sizes > 1)
    if not len(longer):
        return total
    size = sizes[longer]
    top = int(size.max())
    # largest first (numpy sorts small integers stably by radix): the groups with more than
    # k values are then the first ``more[k]``
    key = (top - size).astype(np.uint16) if top < 2**16 else top - size
    longer = longer[np.argsort(key, kind="stable")]
    begin = starts[longer]
    more = len(longer) - np.cumsum(np.bincount(size, minlength=top + 1))
    sums, compensation = total[longer], np.zeros(len(longer))
    with np.errstate(invalid="ignore"):  # inf - inf, and the missing values (skipped)
        for k in range(1, top):
            count = int(more[k])
            value = values[begin[:count] + k]
            running, rest = sums[:count], compensation[:count]
            y = value - rest
            t = running + y
            c = (t - running) - y
            c[np.isnan(c)] = 0.0  # an infinite value: no compensation
            known = ~np.isnan(value)
            np.copyto(rest, c, where=known)
            np.copyto(running, t, where=known)
    total[longer] = sums
    return total


def join_on_customer(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """``left.join(right, on="customer_id")``: ``right`` is indexed by customer number.

    Where both hold the loaded customer categorical (the same categories),
    the rows are matched on the integer codes: pandas' join would first
    compare the two categoricals by hashing all their categories (a million
    customer numbers: 0.4 s and 100 MB). Otherwise pandas joins.
    """
    ids, index = left[CUSTOMER_ID], right.index
    shared = (
        isinstance(ids.dtype, pd.CategoricalDtype)
        and isinstance(index, pd.CategoricalIndex)
        and ids.cat.categories is index.categories
        and index.is_unique
        and len(index) > 0
    )
    if not shared:
        return left.join(right, on=CUSTOMER_ID)
    assert isinstance(index, pd.CategoricalIndex)
    where = np.full(len(index.categories) + 1, -1, dtype=np.int64)  # the last: no number
    where[index.codes] = np.arange(len(index))
    rows = where[ids.cat.codes.to_numpy()]  # code -1 (no number) finds the last slot
    found = rows >= 0
    out = left.copy()
    for name in right.columns:
        values = right[name].to_numpy()[np.where(found, rows, 0)]
        out[name] = pd.Series(values, index=left.index).where(found)
    return out


def numbers_of(codes: np.ndarray, like: pd.Series) -> pd.Index:
    """The customer numbers of ``codes`` from :func:`customer_codes` ``(like)``, as an index.

    Of the same type as the column ``like``: a categorical with the shared
    categories for loaded tables (no strings are made), otherwise the numbers.
    """
    if isinstance(like.dtype, pd.CategoricalDtype):
        return pd.CategoricalIndex(pd.Categorical.from_codes(codes, dtype=like.dtype))
    _, numbers = customer_codes(like)
    return pd.Index(numbers.take(codes), dtype=like.dtype)


def plain_numbers(ids: pd.Series) -> pd.Series:
    """The customer numbers of ``ids`` as plain Python strings (None where missing).

    For a loaded column (the shared categorical) only the rows' own numbers are
    looked up: ``astype(str)`` would first turn all categories into text (a
    million customers for a few hundred rows). Other columns come back as they are.
    """
    if not isinstance(ids.dtype, pd.CategoricalDtype):
        return ids
    codes = ids.cat.codes.to_numpy()
    numbers = ids.cat.categories.to_numpy(dtype=object)[codes]
    return pd.Series(np.where(codes >= 0, numbers, None), index=ids.index, name=ids.name)
