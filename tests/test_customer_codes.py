"""Customer numbers become shared integer codes at load time (cxlib.io.customer_codes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib.io.customer_codes import share_customer_codes
from cxlib.io.loading import read_table
from tests.demo_clients import demo_client


@pytest.mark.parametrize("client", ["stadtwerke-lindenau", "cafe-bohnenglueck"])
def test_loaded_tables_share_one_code_per_customer(client: str) -> None:
    params, data = demo_client(client)
    with_ids = {
        name: table.frame["customer_id"]
        for name, table in data.tables.items()
        if "customer_id" in table.frame
    }
    assert len(with_ids) >= 2, "the demo client must have several tables with customer numbers"
    dtypes = {name: column.dtype for name, column in with_ids.items()}
    first = next(iter(dtypes.values()))
    assert all(isinstance(d, pd.CategoricalDtype) for d in dtypes.values()), dtypes
    assert all(d == first for d in dtypes.values())  # one set of categories for all tables
    code_of: dict[str, int] = {}
    for name, column in with_ids.items():
        # the client's numbers, read again table by table without shared codes
        source = getattr(params.data, name)
        raw = read_table(name, source, params.base_dir).frame["customer_id"]
        assert len(raw) == len(column)
        assert raw.isna().to_numpy().tolist() == column.isna().to_numpy().tolist()
        known = raw.notna().to_numpy()
        assert raw[known].astype(str).tolist() == column[known].astype(str).tolist()
        codes = column.cat.codes.to_numpy()
        assert (codes[~known] == -1).all()
        for text, code in zip(raw[known].astype(str), codes[known], strict=True):
            assert code_of.setdefault(text, int(code)) == int(code), (name, text)
    # the codes are the customer's rank among all numbers of the client, sorted as text
    assert sorted(code_of) == sorted(code_of, key=code_of.__getitem__)
    assert sorted(code_of.values()) == list(range(len(code_of)))


def test_customers_of_one_table_only_keep_their_own_number() -> None:
    customers = pd.DataFrame({"customer_id": pd.array(["K2", "K10", "K1"], dtype="string")})
    survey = pd.DataFrame(
        {"customer_id": pd.array(["K10", None, "X7", "K10"], dtype="string"), "nps": range(4)}
    )
    survey.attrs["source"] = "umfrage.csv"
    dtype = share_customer_codes([customers, survey, pd.DataFrame({"other": [1]})])
    assert dtype is not None
    assert list(dtype.categories) == ["K1", "K10", "K2", "X7"]  # sorted as text
    assert customers["customer_id"].cat.codes.tolist() == [2, 1, 0]
    assert survey["customer_id"].cat.codes.tolist() == [1, -1, 3, 1]
    assert survey["customer_id"].iloc[2] == "X7"
    assert survey.attrs["source"] == "umfrage.csv"
    assert survey["nps"].tolist() == [0, 1, 2, 3]
    counts = survey.groupby("customer_id", observed=True).size()
    assert counts.to_dict() == {"K10": 2, "X7": 1}
    assert share_customer_codes([pd.DataFrame({"other": [1]})]) is None


def test_numbers_from_a_spreadsheet_column_become_codes_too() -> None:
    frame = pd.DataFrame({"customer_id": np.array(["7", "3", None], dtype=object)})
    share_customer_codes([frame])
    assert frame["customer_id"].astype(object).tolist()[:2] == ["7", "3"]
    assert frame["customer_id"].isna().tolist() == [False, False, True]


def test_stable_order_is_numpys_stable_argsort() -> None:
    from cxlib.io.customer_codes import stable_order

    rng = np.random.default_rng(7)
    for key in (
        rng.integers(0, 10**9, 200_000),  # packed: key and row number fit into 63 bits
        rng.integers(0, 4, 5_000),  # many ties, kept in row order
        rng.integers(0, 2**60, 1_000),  # too wide to pack: numpy's own stable sort
        np.array([], dtype=np.int64),
    ):
        assert np.array_equal(stable_order(key), np.argsort(key, kind="stable"))


def test_group_sums_equal_pandas_group_sums_to_the_last_bit() -> None:
    from cxlib.io.customer_codes import group_sums

    rng = np.random.default_rng(11)
    for _ in range(600):
        sizes = rng.integers(0, rng.choice([3, 7, 20]), rng.integers(1, 40))
        values = np.round(rng.normal(0, 1000, int(sizes.sum())), 2)
        values[rng.random(len(values)) < 0.2] = np.nan  # skipped, as pandas skips them
        for infinite in (np.inf, -np.inf):
            if len(values) and rng.random() < 0.1:
                values[rng.integers(0, len(values))] = infinite
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        labels = np.repeat(np.arange(len(sizes)), sizes)
        expected = (
            pd.Series(values).groupby(labels).sum().reindex(range(len(sizes)), fill_value=0.0)
        )
        assert np.array_equal(group_sums(values, starts), expected.to_numpy(), equal_nan=True)


def test_join_on_customer_is_pandas_join_on_shared_codes_and_otherwise() -> None:
    from cxlib.io.customer_codes import join_on_customer
    from cxlib.kpis.retention import purchase_occasions

    _, data = demo_client("cafe-bohnenglueck")
    customers, sales = data.get("customers"), data.get("transactions")
    assert customers is not None and sales is not None
    left = customers[["customer_id"]].iloc[::3]  # a filtered index, as in the survival table
    right = purchase_occasions(sales)
    right = right.iloc[: len(right) // 2]  # half the customers have no purchases here
    assert right.index.categories is left["customer_id"].cat.categories  # the fast path
    expected = left.join(right, on="customer_id")
    joined = join_on_customer(left, right)
    assert joined["last"].isna().any() and joined["last"].notna().any()
    pd.testing.assert_frame_equal(joined, expected, check_exact=True)
    # numbers as text (a frame built by hand): pandas joins
    plain = left.assign(customer_id=left["customer_id"].astype(str))
    text = right.set_axis(right.index.astype(str))
    pd.testing.assert_frame_equal(
        join_on_customer(plain, text), plain.join(text, on="customer_id"), check_exact=True
    )


def test_codes_of_many_chunks_are_the_rank_of_each_number_among_all() -> None:
    # big files arrive as many Arrow chunks; new numbers turn up in later chunks and
    # later tables, some cells are missing, some numbers are not ASCII
    import pyarrow as pa

    rng = np.random.default_rng(3)
    pool = np.array([f"K{i}" for i in rng.permutation(300)] + ["Ä1", "ö2", "K"], dtype=object)
    frames, raw = [], []
    for size, chunks in ((1_000, 7), (40, 1), (0, 1), (500, 3)):
        values = rng.choice(pool[: rng.integers(50, len(pool))], size).astype(object)
        values[rng.random(size) < 0.05] = None
        parts = np.array_split(values, chunks)
        arrow = pa.chunked_array([pa.array(list(part), pa.large_string()) for part in parts])
        frames.append(pd.DataFrame({"customer_id": pd.arrays.ArrowStringArray(arrow)}))
        raw.append(values)
    dtype = share_customer_codes(frames)
    joined = pd.Series(np.concatenate(raw), dtype=object)
    want, numbers = pd.factorize(joined, sort=True, use_na_sentinel=True)
    assert dtype is not None and list(dtype.categories) == list(numbers)
    got = np.concatenate([frame["customer_id"].cat.codes.to_numpy() for frame in frames])
    assert np.array_equal(got, want)


def test_plain_numbers_are_the_rows_own_numbers_as_text() -> None:
    from cxlib.io.customer_codes import plain_numbers

    frame = pd.DataFrame({"customer_id": pd.array(["K2", None, "K10", "K2"], dtype="string")})
    share_customer_codes([frame, pd.DataFrame({"customer_id": ["K7", "K1"]})])
    plain = plain_numbers(frame["customer_id"].iloc[[3, 1, 0]])
    assert plain.dtype == object and plain.index.tolist() == [3, 1, 0]
    assert plain.tolist() == ["K2", None, "K2"]
    text = pd.Series(["K1", None])
    assert plain_numbers(text) is text  # not a loaded column: as it is
