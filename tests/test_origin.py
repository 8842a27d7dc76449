"""The loader's row memory travels with derived frames without being copied."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest

from cxlib.io.origin import Origin


def test_origin_reads_like_the_mapping_it_replaces():
    origin = Origin("kunden.csv", [2, 3, 5], {"customer_id": "Kundennummer"})
    assert origin["file"] == "kunden.csv"
    assert origin.get("headers") == {"customer_id": "Kundennummer"}
    assert list(origin["rows"]) == [2, 3, 5]
    assert set(origin) == {"file", "rows", "headers"}
    assert origin.get("missing") is None


def test_origin_is_immutable_so_copies_are_the_same_object():
    origin = Origin("kunden.csv", np.arange(20_000), {})
    assert copy.deepcopy(origin) is origin
    assert copy.copy(origin) is origin
    with pytest.raises(ValueError):
        origin["rows"][0] = 99


def test_derived_frames_share_the_origin_instead_of_copying_it():
    frame = pd.DataFrame({"x": range(10)})
    origin = Origin("kunden.csv", range(2, 12), {"x": "X"})
    frame.attrs["source"] = origin
    derived = frame[frame["x"] > 3]
    assert derived.attrs["source"] is origin
    assert (frame["x"] + 1).attrs["source"] is origin


def test_origin_survives_the_pickle_hand_off_to_the_kernel():
    origin = Origin("kunden.csv", [7, 8], {"x": "X"})
    restored = pickle.loads(pickle.dumps(origin, protocol=pickle.HIGHEST_PROTOCOL))
    assert restored["file"] == "kunden.csv"
    assert list(restored["rows"]) == [7, 8]
    assert restored["headers"] == {"x": "X"}
