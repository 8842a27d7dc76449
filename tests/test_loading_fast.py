"""The fast CSV path (pyarrow) gives the same tables and problems as pandas' C engine.

Every awkward file is read twice: as the loader reads it (pyarrow where the
file is plain) and with the pyarrow reader switched off (the pandas C engine
the loader used before). Frames, row numbers, quality records and every
problem message must be identical, and for plain files the fast path must
really have been taken (otherwise these comparisons would prove nothing).
The vectorised duplicate search is checked against pandas' groupby, the
vectorised repurchase economics against a per-customer loop written out by
hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib.exceptions import DataError
from cxlib.io import sources
from cxlib.io.loading import _first_in_group, _group_codes, read_table
from cxlib.io.parsing import STRING
from cxlib.kpis.economics import non_contractual
from cxlib.kpis.survey import KpiInputError, nps
from cxlib.parameters.schema import DataFile

HEAD = "Kundennummer;Vertragsbeginn;Vertragsende;Segment;Umsatz/Monat\n"
TX_HEAD = "Beleg;Kundennummer;Datum;Betrag;Warengruppe\n"

#: (name, table, text, encoding, options, fast): plain files must take the fast path.
CASES = [
    (
        "plain",
        "customers",
        HEAD + "K1;01.01.2025;;Privat;10\nK2;02.01.2025;;Gewerbe;1.234,5\n",
        "utf-8",
        {},
        True,
    ),
    ("cp1252 umlauts", "customers", HEAD + "K1;01.01.2025;;Großkunde Süd;10\n", "cp1252", {}, True),
    (
        "bom crlf",
        "customers",
        HEAD.replace("\n", "\r\n") + "K1;01.01.2025;;A;1\r\n",
        "utf-8-sig",
        {},
        True,
    ),
    (
        "old mac line ends",
        "customers",
        (HEAD + "K1;01.01.2025;;A;1\n").replace("\n", "\r"),
        "utf-8",
        {},
        True,
    ),
    (
        "title lines and blank lines",
        "customers",
        "Export Kundenstamm\nStand: 31.12.2025\n\n"
        + HEAD
        + "K1;01.01.2025;;A;1\n\nK2;01.02.2025;;B;2\n\n",
        "utf-8",
        {},
        True,
    ),
    ("excel sep line", "customers", "sep=;\n" + HEAD + "K1;01.01.2025;;A;1\n", "utf-8", {}, True),
    (
        "quoted separators and line breaks",
        "customers",
        HEAD + 'K1;01.01.2025;;"Privat; Süd";1\n"K2";01.02.2025;;"zwei\nZeilen";"2,5"\nK3;x;;C;y\n',
        "utf-8",
        {},
        True,
    ),
    (
        "padding and no-break spaces",
        "customers",
        HEAD + "  K1 ;\u00a001.01.2025 ; ;\tPrivat\t; 1.000 \nK2;01.01.2025;;;\n",
        "utf-8",
        {},
        True,
    ),
    (
        "bad cells of every kind",
        "customers",
        HEAD + "K1;31.02.2025;;A;abc\nK1;01.01.2025;01.01.2024;A;-5\n;01.01.2025;;A;1,2,3\n"
        "K4;2025-13-01;;A;12.34\nK5;01.01.9999;;A;€ 12,50\n",
        "utf-8",
        {},
        True,
    ),
    (
        "bad cells skipped",
        "customers",
        HEAD + "K1;31.02.2025;;A;abc\nK1;01.01.2025;;A;3\nK2;01.01.2025;;A;4\nK2;01.01.2025;;A;5\n",
        "utf-8",
        {"invalid_rows": "skip"},
        True,
    ),
    (
        "personal columns",
        "customers",
        "Kundennummer;Name;E-Mail;Vertragsbeginn\nK1;Max Muster;max@example.org;01.01.2025\n",
        "utf-8",
        {},
        True,
    ),
    (
        "transactions with receipt duplicates",
        "transactions",
        TX_HEAD + "B1;K1;01.01.2025;3,20;Getränk\nB2;K1;02.01.2025;1.003,20;Bohnen\n"
        "B1;K2;03.01.2025;4,80;Getränk\n;K3;04.01.2025;1,00;\n;K4;05.01.2025;2,00;\n",
        "cp1252",
        {},
        True,
    ),
    (
        "survey ints and items",
        "survey",
        "Antwort-ID;Datum;NPS;CSAT;item_a;Kommentar\nR1;01.01.2025;10;5;4,5;gut\n"
        'R2;01.01.2025;11;0;x;\nR3;01.01.2025;7,5;3;;"mit ; Trenner"\n',
        "utf-8",
        {},
        True,
    ),
    (
        "tickets booleans",
        "tickets",
        "Ticketnummer;Kundennummer;Eröffnet;Wiedereröffnet\nT1;K1;01.01.2025;ja\n"
        "T2;K1;02.01.2025;nein\nT3;K2;03.01.2025;vielleicht\nT4;K2;03.01.2025;X\n",
        "utf-8",
        {},
        True,
    ),
    (
        "signals months and a two-column key",
        "signals",
        "Kundennummer;Monat;Nutzung\nK1;03.2025;1,5\nK1;03.2025;2\nK2;März 2025;3\nK2;13.2025;4\n",
        "utf-8",
        {},
        True,
    ),
    # files only pandas reads (the fast path must step aside and leave the messages as they are)
    ("a short row", "customers", HEAD + "K1;01.01.2025\nK2;01.01.2025;;A;1\n", "utf-8", {}, False),
    (
        "fields beyond the header",  # the widest row sets the width: all above it are padded
        "customers",
        HEAD + "K1;01.01.2025;;A;1\nK2;01.01.2025;;A;1;Rest;mehr\n",
        "utf-8",
        {},
        True,
    ),
    (
        "fields beyond the header after line 50",
        "customers",
        HEAD + "K1;01.01.2025;;A;1\n" * 60 + "K2;01.01.2025;;A;1;Rest\n",
        "utf-8",
        {"invalid_rows": "skip"},
        False,
    ),
    ("a NUL byte", "customers", HEAD + "K1\x00;01.01.2025;;A;1\n", "utf-8", {}, False),
    (
        "a NUL byte in Windows-1252",
        "customers",
        HEAD + "K1;01.01.2025;;Süd\x00;1\n",
        "cp1252",
        {},
        False,
    ),
    (
        "a NUL byte in the last row",
        "customers",
        HEAD + "K1;01.01.2025;;A;1\n" * 50 + "K2\x00",
        "utf-8",
        {},
        False,
    ),
    (
        "UTF-16: its zero bytes are no NUL",
        "customers",
        HEAD + "K1;01.01.2025;;Süd;1\nK2;02.01.2025;;Nord;2\n",
        "utf-16",
        {},
        True,
    ),
    ("a NUL in UTF-16", "customers", HEAD + "K1;01.01.2025;;A\x00;1\n", "utf-16", {}, False),
    (
        "unclosed quote",
        "customers",
        HEAD + 'K1;"01.01.2025;;A;1\nK2;01.01.2025;;A;1\n',
        "utf-8",
        {},
        False,
    ),
    (
        "wrong configured encoding",
        "customers",
        HEAD + "K1;01.01.2025;;Süd;1\n",
        "cp1252",
        {"encoding": "utf-8"},
        False,
    ),
]


def _read(folder: Path, name: str, table: str, options: dict) -> tuple[object, object]:
    """(frame, quality) of a loaded table, or ("error", problems and hint)."""
    try:
        loaded = read_table(table, DataFile(file=name, **options), folder)
    except DataError as exc:
        return "error", ([str(p) for p in exc.problems], exc.hint)
    return loaded.frame, loaded.quality


@pytest.mark.parametrize(("name", "table", "text", "encoding", "options", "fast"), CASES)
def test_fast_path_gives_what_pandas_gives(
    tmp_path: Path, monkeypatch, name, table, text, encoding, options, fast
):
    (tmp_path / "f.csv").write_bytes(text.encode(encoding))
    used = []
    arrow = sources._read_csv_arrow

    def spy(*args):
        frame = arrow(*args)
        used.append(frame is not None)
        return frame

    monkeypatch.setattr(sources, "_read_csv_arrow", spy)
    got, got_quality = _read(tmp_path, "f.csv", table, options)
    assert used == [fast], name
    monkeypatch.setattr(sources, "_read_csv_arrow", lambda *args: None)
    want, want_quality = _read(tmp_path, "f.csv", table, options)
    if isinstance(want, str):
        assert got == want and got_quality == want_quality
        return
    assert isinstance(got, pd.DataFrame), got_quality
    pd.testing.assert_frame_equal(got, want)
    assert got_quality == want_quality
    assert list(got.attrs["source"]["rows"]) == list(want.attrs["source"]["rows"])
    for column in got.columns:
        if got[column].dtype == "string":
            assert got[column].dtype == STRING  # Arrow-backed on both paths


def test_row_numbers_count_title_lines_blank_lines_and_quoted_breaks(tmp_path: Path):
    text = "Titel\n\n" + HEAD + 'K1;01.01.2025;;"a\nb";1\n\nK2;x;;B;2\n'
    (tmp_path / "f.csv").write_text(text, encoding="utf-8")
    loaded = read_table("customers", DataFile(file="f.csv", invalid_rows="skip"), tmp_path)
    # title 1, blank 2, header 3, K1 4 (its quoted break counts once), blank 5, K2 6
    assert list(loaded.frame.attrs["source"]["rows"]) == [4]
    [problem] = loaded.quality.problems
    assert (problem.row, problem.column, problem.value) == (6, "Vertragsbeginn", "x")
    assert loaded.frame["segment"].tolist() == ["a\nb"]


def test_cp1252_detection_finds_the_line_of_an_undefined_byte(tmp_path: Path):
    (tmp_path / "f.csv").write_bytes(HEAD.encode() + b"K1;01.01.2025;;\xfc;1\nK2;\x81;;A;1\n")
    with pytest.raises(DataError) as info:
        read_table("customers", DataFile(file="f.csv"), tmp_path)
    assert "Zeile 3 sind weder UTF-8 noch Windows-1252" in str(info.value)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_group_codes_match_pandas_groupby(seed: int):
    rng = np.random.default_rng(seed)
    n = 2000
    ids = pd.Series(rng.choice(["K1", "K2", "K3", "Ä4", None], n), dtype=STRING)
    months = pd.Series(pd.to_datetime(rng.choice(["2025-01-01", "2025-02-01", None], n)))
    numbers = pd.Series(pd.array(rng.choice([1, 2, None], n), dtype="Int64"))
    positions = np.sort(rng.choice(n, 1500, replace=False))
    for keys in ([ids], [ids, months], [months, numbers, ids]):
        frame = pd.DataFrame({i: key for i, key in enumerate(keys)}).iloc[positions]
        want = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
        got = pd.factorize(_group_codes(keys, positions))[0]  # numbered by first appearance
        assert np.array_equal(got, want)
        first = _first_in_group(got)
        assert np.array_equal(first, [np.flatnonzero(want == g)[0] for g in want])
    # all keys distinct (the usual case, answered without sorting) and no keys at all
    distinct = rng.permutation(n)[:1500]
    assert np.array_equal(_first_in_group(distinct), np.arange(1500))
    assert np.array_equal(_first_in_group(distinct[:0]), np.arange(0))
    distinct[-1] = distinct[0]  # one repeat: its first is the first element
    assert _first_in_group(distinct)[-1] == 0 and _first_in_group(distinct)[1] == 1


def test_repurchase_economics_match_a_loop_over_customers():
    rng = np.random.default_rng(7)
    n = 3000
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series(rng.choice([f"K{i}" for i in range(400)], n), dtype=STRING),
            "date": pd.Timestamp("2023-06-01") + pd.to_timedelta(rng.integers(0, 1000, n), "D"),
            "amount": rng.integers(100, 5000, n) / 100,
        }
    )
    cut, window = dt.date(2025, 12, 31), 90
    eco = non_contractual(tx, cut, window, 0.3, 0.1)
    # by hand, one customer after the other
    cutoff = pd.Timestamp(cut)
    seen = tx[tx["date"] <= cutoff]
    one, two = cutoff - pd.DateOffset(years=1), cutoff - pd.DateOffset(years=2)
    revenue, previous, eligible, repurchased, once = [], [], 0, 0, 0
    for _, rows in seen.groupby("customer_id"):
        dates = sorted(rows["date"])
        recent = rows[rows["date"] > one]
        if len(recent):
            revenue.append(recent["amount"].sum())
        if ((rows["date"] > two) & (rows["date"] <= one)).any():
            previous.append(len(recent) > 0)
        once += len(dates) == 1
        if dates[0] <= cutoff - pd.Timedelta(days=window):
            eligible += 1
            repurchased += len(dates) > 1 and (dates[1] - dates[0]).days <= window
    assert eco.arpu == pytest.approx(np.mean(revenue)) and eco.customers == len(revenue)
    assert eco.retention == pytest.approx(np.mean(previous))
    assert eco.repurchase_n == eligible
    assert eco.repurchase_rate == pytest.approx(repurchased / eligible)
    assert eco.one_time_share == pytest.approx(once / seen["customer_id"].nunique())


def test_kpi_answers_as_numbers_or_as_text_give_the_same_estimate():
    answers = [10, 9, None, 3, 7, 10, 0]
    as_numbers = nps(pd.Series(answers, dtype="Int64"))
    as_objects = nps(pd.Series(answers, dtype=object))
    assert (as_numbers.value, as_numbers.n, as_numbers.missing) == (
        as_objects.value,
        as_objects.n,
        as_objects.missing,
    )
    assert as_numbers.n == 6 and as_numbers.missing == 1
    assert as_numbers.value == pytest.approx(100 * (3 - 2) / 6)
    with pytest.raises(KpiInputError, match="keine Zahlen"):
        nps(pd.Series([True, False]))
    with pytest.raises(KpiInputError, match="außerhalb"):
        nps(pd.Series([11.0, 3.0]))


@pytest.mark.parametrize("step", [1, 3, 7, 1 << 20])
def test_text_keys_are_grouped_alike_whatever_slice_of_them_is_compared_at_once(
    step: int, monkeypatch: pytest.MonkeyPatch
):
    from cxlib.io import loading

    monkeypatch.setattr(loading, "_SORTED_SLICE", step)
    rng = np.random.default_rng(step)
    n = 500
    ids = pd.Series(rng.choice(["B1", "B2", "B3", "Ö4", "B5", None], n), dtype=STRING)
    positions = np.arange(n)
    want = ids.to_frame().groupby(0, dropna=False, sort=False).ngroup().to_numpy()
    got = pd.factorize(_group_codes([ids], positions))[0]  # numbered by first appearance
    assert np.array_equal(got, want)


@pytest.mark.parametrize("step", [1, 3, 1 << 20])
@pytest.mark.parametrize("direction", [1, -1])
def test_keys_in_file_order_are_grouped_alike_to_those_that_need_a_sort(
    step: int, direction: int, monkeypatch: pytest.MonkeyPatch
):
    # receipts exported in the order they were written: strictly rising (or falling)
    # numbers need no sort; a repeat or a gap anywhere must still be found
    from cxlib.io import loading

    monkeypatch.setattr(loading, "_SORTED_SLICE", step)
    numbers = [f"B{i:05d}" for i in range(40)][::direction]
    cases = {
        "ordered": numbers,
        "repeat at the end": [*numbers, numbers[-1]],
        "repeat in the middle": [*numbers[:20], numbers[19], *numbers[20:]],
        "one out of order": [*numbers[:10], numbers[30], *numbers[10:30], *numbers[31:]],
        "missing": [*numbers[:5], None, *numbers[5:]],
        "one": numbers[:1],
    }
    for name, ids in cases.items():
        key = pd.Series(ids, dtype=STRING)
        want = key.to_frame().groupby(0, dropna=False, sort=False).ngroup().to_numpy()
        got = pd.factorize(_group_codes([key], np.arange(len(key))))[0]
        assert np.array_equal(got, want), name
    ordered = pd.Series(numbers, dtype=STRING).array.__arrow_array__()
    assert loading._strictly_ordered(ordered)
    assert not loading._strictly_ordered(
        pd.Series(cases["repeat in the middle"], dtype=STRING).array.__arrow_array__()
    )


def test_cells_are_stripped_exactly_as_pandas_strips_them():
    # the loader strips only columns where some cell begins or ends in a byte that can
    # be white space; whatever it skips must be what pandas' strip leaves unchanged
    import pyarrow as pa

    from cxlib.io.parsing import Cells, _may_have_space_at_an_end

    rng = np.random.default_rng(5)
    pieces = ["K1", "ö", "Zubehör", " ", "\t", "\u00a0", "\u3000", "\u2009", "x", "", "é "]
    for trial in range(300):
        size = int(rng.integers(1, 12))
        values = ["".join(rng.choice(pieces, rng.integers(0, 4))) for _ in range(size)]
        cells = [None if rng.random() < 0.1 else v for v in values]
        chunks = [pa.array(cells[:2], pa.large_string()), pa.array(cells[2:], pa.large_string())]
        arrow = pa.chunked_array(chunks).slice(int(rng.integers(0, 2)))  # a chunk offset too
        raw = pd.Series(pd.arrays.ArrowStringArray(arrow))
        stripped = raw.str.strip()
        want = stripped.mask(stripped == "")
        pd.testing.assert_series_equal(Cells.from_text(raw).text, want, check_names=False)
        if not _may_have_space_at_an_end(raw):
            assert raw.fillna("").tolist() == stripped.fillna("").tolist(), (trial, cells)
    plain = pd.Series(["B1", "Bohnen", "12,50", ""], dtype=STRING)
    assert not _may_have_space_at_an_end(plain)
    for spaced in ("B1 ", "\u00a0B1", "Café"):
        assert _may_have_space_at_an_end(pd.Series(["B1", spaced], dtype=STRING))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_an_umlaut_far_below_a_plain_head_decides_the_encoding(
    encoding: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # the first 64 KB are plain ASCII: they read as UTF-8, and only the Arrow reader
    # (which checks every byte) can tell a Windows-1252 "ü" further down
    rows = "".join(f"K{i};01.01.2025;;Privat;{i}\n" for i in range(1, 4001))
    text = HEAD + rows + "K9999;01.01.2025;;Großkunde Süd;1\n"
    (tmp_path / "f.csv").write_bytes(text.encode(encoding))
    assert len(text) > (1 << 16)
    searched: list[str] = []
    whole_file = sources._undecodable_offset
    monkeypatch.setattr(
        sources,
        "_undecodable_offset",
        lambda path, enc: searched.append(enc) or whole_file(path, enc),
    )
    loaded = read_table("customers", DataFile(file="f.csv"), tmp_path)
    assert loaded.quality.encoding == encoding
    assert loaded.frame["segment"].iloc[-1] == "Großkunde Süd"
    assert len(loaded.frame) == 4001
    # a UTF-8 file is not searched byte by byte before Arrow reads it
    assert searched == ([] if encoding.startswith("utf-8") else ["utf-8", "cp1252"])


def test_only_files_of_several_blocks_use_arrows_threads(tmp_path: Path, monkeypatch) -> None:
    import pyarrow.csv as pacsv

    seen: list[bool] = []
    read = pacsv.read_csv

    def spy(path, *, read_options, **options):
        seen.append(read_options.use_threads)
        return read(path, read_options=read_options, **options)

    monkeypatch.setattr(pacsv, "read_csv", spy)
    body = HEAD + "".join(f"K{i};01.01.2025;;Privat;10\n" for i in range(200))
    (tmp_path / "f.csv").write_text(body, encoding="utf-8")
    small = read_table("customers", DataFile(file="f.csv"), tmp_path).frame
    monkeypatch.setattr(sources, "_ARROW_BLOCK_BYTES", 1024)  # the same file: several blocks
    large = read_table("customers", DataFile(file="f.csv"), tmp_path).frame
    assert seen == [False, True]
    pd.testing.assert_frame_equal(small, large)
