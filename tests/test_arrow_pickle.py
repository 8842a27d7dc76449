"""Pickles with text as Arrow: what goes in comes out, of the same types, each object once."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib.runner import arrow_pickle

N = 300  # over the length from which text goes as Arrow


def _parts(path: Path) -> tuple[bytes, bytes]:
    raw = path.read_bytes()
    length = int.from_bytes(raw[8:16], "little")
    return raw[16 : 16 + length], raw[16 + length :]


def test_text_columns_indexes_and_object_arrays_come_back_equal_and_of_their_types(
    tmp_path: Path,
):
    words = [f"Kunde-{i:05d}" for i in range(N)]
    frame = pd.DataFrame(
        {
            "arrow": pd.array(words, dtype="string[pyarrow]"),
            "python": pd.array(words, dtype="string[python]"),
            "plain": pd.Series(words, dtype=object),
            "number": np.arange(N),
        },
        index=pd.Index(words, name="id"),
    )
    odd = np.array([np.str_("a"), *words[1:]], dtype=object)  # a str subclass: pickled
    mixed = np.array([None, *words[1:]], dtype=object)
    path = tmp_path / "x.pickle"
    arrow_pickle.dump({"frame": frame, "odd": odd, "mixed": mixed}, path)
    back = arrow_pickle.load(path)
    assert isinstance(back, dict)
    pd.testing.assert_frame_equal(back["frame"], frame, check_exact=True)
    assert list(back["frame"].dtypes) == list(frame.dtypes)
    assert type(back["frame"]["arrow"].array) is type(frame["arrow"].array)
    assert type(back["odd"][0]) is np.str_ and list(back["odd"]) == list(odd)
    assert back["mixed"][0] is None and list(back["mixed"][1:]) == words[1:]
    assert b"Kunde-00299" in _parts(path)[0]  # odd and mixed could not go as Arrow
    arrow_pickle.dump(frame, path)
    pickled, arrow = _parts(path)
    assert b"Kunde-00299" not in pickled and b"Kunde-00299" in arrow


def test_one_object_twice_comes_back_as_one_object(tmp_path: Path):
    categories = pd.Index([f"K{i:04d}" for i in range(N)])
    dtype = pd.CategoricalDtype(categories)
    a = pd.Series(pd.Categorical.from_codes(np.arange(N) % 7, dtype=dtype))
    b = pd.Series(pd.Categorical.from_codes(np.arange(N)[::-1], dtype=dtype))
    path = tmp_path / "x.pickle"
    arrow_pickle.dump((a, b), path)
    back_a, back_b = arrow_pickle.load(path)  # type: ignore[misc]
    pd.testing.assert_series_equal(back_a, a)
    pd.testing.assert_series_equal(back_b, b)
    assert back_a.cat.categories is back_b.cat.categories


def test_shared_objects_are_named_and_given_back_by_the_reader(tmp_path: Path):
    categories = pd.Index([f"K{i:04d}" for i in range(N)])
    column = pd.Series(pd.Categorical.from_codes(np.arange(N), categories=categories))
    path = tmp_path / "x.pickle"
    arrow_pickle.dump(column, path, {"customers": column.cat.categories})
    pickled, arrow = _parts(path)
    assert b"K0299" not in pickled and b"K0299" not in arrow  # not written at all
    theirs = pd.Index(list(categories))
    back = arrow_pickle.load(path, {"customers": theirs}.__getitem__)
    assert isinstance(back, pd.Series) and back.cat.categories is theirs
    pd.testing.assert_series_equal(back, column)
    with pytest.raises(pickle.UnpicklingError, match="customers"):
        arrow_pickle.load(path)


def test_a_file_of_another_kind_is_refused(tmp_path: Path):
    path = tmp_path / "plain.pickle"
    path.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(pickle.UnpicklingError, match="not written by"):
        arrow_pickle.load(path)
