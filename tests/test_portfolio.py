"""The consultancy's portfolio: SQLite round trip, upsert, concurrent writers, the
five-others rule in the client report, and the offline, escaped portfolio page."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
from nbformat.v4 import new_notebook

from cxlib.cli import main
from cxlib.exceptions import PortfolioError
from cxlib.parameters.schema import ClientParameters
from cxlib.portfolio import comparison, hooks, storage
from cxlib.portfolio import records as pr
from cxlib.portfolio.page import benchmark_view, client_ids_from_parameters, render_portfolio
from cxlib.report.render import render_report
from cxlib.runner.results import SectionRecord, read_results
from cxlib.texts import catalogue

from .results_factory import client_results

ROOT = Path(__file__).resolve().parent.parent

# Other comparable clients (contractual, klein), values deliberately off the rounding grid.
OTHERS = [
    # maturity index, NPS, churn share
    (31.2, -4.4, 0.031),
    (42.6, 12.7, 0.012),
    (47.3, 21.9, 0.052),
    (55.8, 33.6, 0.024),
    (61.4, 41.3, 0.009),
]
OWN = pr.KeyFigures(50.0, 3, 6, 29.3, 41, 0.018, 111)


def make_params(
    tmp_path: Path,
    client_id: str = "berger-test",
    name: str = "Berger Test GmbH",
    industry: str | None = "Handwerk",
    size_class: str | None = "klein",
    business_model: str = "contractual",
    report_date: str = "2026-01-15",
) -> ClientParameters:
    source = tmp_path / f"{client_id}.yaml"
    source.write_text(
        f"client:\n  id: {client_id}\n  name: {name}\nconsultant: X\n"
        f"report_date: {report_date}\nbusiness_model: {business_model}\n",
        encoding="utf-8",
    )
    client = {"id": client_id, "name": name, "industry": industry, "size_class": size_class}
    return ClientParameters.model_validate(
        {
            "client": client,
            "consultant": "Erika Beraterin",
            "report_date": report_date,
            "business_model": business_model,
            "source": source,
        }
    )


def record(
    key: str,
    index: float | None,
    nps: float | None,
    churn: float | None,
    size: str | None = "klein",
    model: str = "contractual",
    report_date: str = "2025-12-01",
    industry: str | None = "Handwerk",
    run_at: str = "2025-12-01T10:00:00+00:00",
) -> pr.PortfolioRecord:
    return pr.PortfolioRecord(
        key, report_date, industry, size, model, "de",
        index, 2, 5, nps, 40, churn, 100, run_at, "0.1", None,
    )  # fmt: skip


def seeded(tmp_path: Path, others: list[tuple[float, float, float]]) -> storage.Portfolio:
    portfolio = storage.Portfolio(tmp_path / "portfolio.sqlite")
    salt = portfolio.salt()
    portfolio.upsert_many(
        [record(pr.client_key(f"other-{i}", salt), *values) for i, values in enumerate(others)]
    )
    return portfolio


# --- extraction from results.json ----------------------------------------------------


def test_key_figures_from_sections():
    sections = [
        {"id": "maturity", "figures": {"available": True, "index": 36.9, "stage": 2,
                                       "respondents": 5}},
        {"id": "kpi", "figures": {"baseline": [
            {"kpi": "churn", "value": 1.8018018, "n": 111.0},
            {"kpi": "nps", "value": 29.268, "n": 41.0},
            {"kpi": "csat", "value": 75.6, "n": 41.0},
        ]}},
    ]  # fmt: skip
    figures = pr.key_figures([SectionRecord(**s) for s in sections])
    assert figures.maturity_index == 36.9 and figures.maturity_stage == 2
    assert figures.maturity_n == 5
    assert figures.nps == pytest.approx(29.268) and figures.nps_n == 41
    assert figures.churn_rate == pytest.approx(0.018018018) and figures.churn_n == 111
    # no questionnaire, no churn (shop without contracts), NaN NPS: None, never "nan"
    empty = pr.key_figures(
        [
            SectionRecord(id="maturity", figures={"available": False, "index": None}),
            SectionRecord(id="kpi", figures={"baseline": [{"kpi": "nps", "value": float("nan")}]}),
        ]
    )
    assert empty == pr.KeyFigures()


# --- the database ----------------------------------------------------------------


def test_round_trip_stores_no_name_or_id(tmp_path):
    db = tmp_path / "p.sqlite"
    portfolio = storage.Portfolio(db)
    params = make_params(tmp_path, client_id="mueller-bau", name="Müller Bau GmbH")
    stamp = dt.datetime(2026, 1, 20, 9, 30, tzinfo=dt.UTC)
    written = portfolio.record(params, OWN, "de", "abc123", run_at=stamp)
    (back,) = portfolio.records()
    assert back == written
    assert back.report_date == "2026-01-15" and back.run_at == "2026-01-20T09:30:00+00:00"
    assert (back.industry, back.size_class, back.business_model) == (
        "Handwerk",
        "klein",
        "contractual",
    )
    assert (back.maturity_index, back.nps, back.churn_rate) == (50.0, 29.3, 0.018)
    assert back.input_hash == "abc123"
    salt = portfolio.salt()
    assert len(salt) == 32
    assert back.client_key == pr.client_key("mueller-bau", salt)
    assert back.client_key != pr.client_key("mueller-bau", "another salt")
    raw = db.read_bytes()
    assert b"mueller-bau" not in raw and "Müller".encode() not in raw
    frame = portfolio.to_frame()
    assert list(frame.columns)[:2] == ["client_key", "report_date"]
    assert frame.loc[0, "nps"] == 29.3


def test_upsert_per_client_and_report_date(tmp_path):
    portfolio = storage.Portfolio(tmp_path / "p.sqlite")
    params = make_params(tmp_path)
    portfolio.record(params, OWN, "de", "h1")
    portfolio.record(params, pr.KeyFigures(maturity_index=55.5), "en", "h2")  # re-run
    (row,) = portfolio.records()
    assert (row.maturity_index, row.nps, row.language, row.input_hash) == (55.5, None, "en", "h2")
    later = make_params(tmp_path, report_date="2026-07-15")
    portfolio.record(later, OWN, "de", "h3")
    assert len(portfolio.records()) == 2
    (newest,) = portfolio.latest()
    assert newest.report_date == "2026-07-15"


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cxlib.portfolio import records as pr, storage
    db, worker, start = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    while not start.exists():
        time.sleep(0.005)
    p = storage.Portfolio(db)
    for i in range(40):
        p.upsert(pr.PortfolioRecord(f"w{worker}-{i}", "2026-01-01", None, "klein",
                 "contractual", "de", float(i), 1, 5, None, None, None, None,
                 "2026-01-01T00:00:00+00:00", "0", None))
    print(p.salt())
    """
)


def test_two_processes_write_at_once(tmp_path):
    db, start = tmp_path / "shared.sqlite", tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(n), str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]
    start.touch()  # both create the schema and write at the same moment
    outputs = [w.communicate(timeout=60) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    records = storage.Portfolio(db).records()
    assert len(records) == 80
    assert {r.client_key for r in records} == {f"w{w}-{i}" for w in (1, 2) for i in range(40)}
    # one salt, created once, seen by both
    assert outputs[0][0].strip() == outputs[1][0].strip() == storage.Portfolio(db).salt()


def test_older_file_gains_columns_newer_file_is_refused(tmp_path):
    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        connection.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('salt', 'abc')")
        connection.execute(
            "CREATE TABLE runs (client_key TEXT NOT NULL, report_date TEXT NOT NULL, "
            "nps REAL, PRIMARY KEY (client_key, report_date))"
        )
        connection.execute("INSERT INTO runs VALUES ('k1', '2025-01-01', 12.5)")
    connection.close()
    portfolio = storage.Portfolio(db)
    (old,) = portfolio.records()  # readable before any migration
    assert old.nps == 12.5 and old.churn_rate is None
    portfolio.upsert(record("k2", 40.0, 10.0, 0.02))
    assert {r.client_key for r in portfolio.records()} == {"k1", "k2"}
    assert portfolio.salt() == "abc"
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    connection.close()
    with pytest.raises(PortfolioError, match="Schema-Version 99"):
        portfolio.records()
    with pytest.raises(PortfolioError, match="Schema-Version 99"):
        portfolio.upsert(record("k3", 1.0, 1.0, 0.1))


def test_missing_or_foreign_file_is_a_plain_error(tmp_path):
    with pytest.raises(PortfolioError, match="Keine Portfolio-Datenbank"):
        storage.Portfolio(tmp_path / "nope.sqlite").records()
    junk = tmp_path / "junk.sqlite"
    junk.write_text("das ist keine Datenbank " * 100, encoding="utf-8")
    with pytest.raises(PortfolioError, match="nicht lesbar"):
        storage.Portfolio(junk).records()


def test_database_path_default_env_and_off(tmp_path, monkeypatch):
    monkeypatch.delenv(storage.ENV_VAR, raising=False)
    assert storage.database_path(tmp_path) == tmp_path / "portfolio.sqlite"
    monkeypatch.setenv(storage.ENV_VAR, str(tmp_path / "elsewhere.sqlite"))
    assert storage.database_path(tmp_path / "reports") == tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv(storage.ENV_VAR, "off")
    assert storage.database_path(tmp_path) is None


# --- the comparison ----------------------------------------------------------------


def test_quantile_matches_numpy():
    rng = np.random.default_rng(7)
    for n in (5, 6, 7, 12):
        values = sorted(rng.normal(40, 15, n).tolist())
        for q in (0.25, 0.5, 0.75):
            assert comparison._quantile(values, q) == pytest.approx(np.percentile(values, q * 100))


def test_four_others_show_nothing(tmp_path):
    salt = "s"
    records = [record(pr.client_key(f"o{i}", salt), *v) for i, v in enumerate(OTHERS[:4])]
    # not comparable: other size class, other business model; own earlier run never counts
    records += [
        record("big", 10.0, 10.0, 0.1, size="groß"),
        record("shop", 10.0, 10.0, None, model="non_contractual"),
        record(pr.client_key("me", salt), 20.0, 20.0, 0.2, report_date="2025-01-01"),
    ]
    found = comparison.benchmark(records, pr.client_key("me", salt), "contractual", "klein", OWN)
    assert found.n_comparable == 4 and not found.available and found.reason == "too_few"
    assert all(not p.shown and p.median is None and p.better_than is None for p in found.positions)
    view = benchmark_view(found, "de")
    assert view == {
        "available": False,
        "text": catalogue("de")["portfolio.report.too_few"].format(min="5"),
    }


def test_five_others_aggregates_only():
    records = [record(f"o{i}", *v) for i, v in enumerate(OTHERS)]
    # a second, older report of o0 must not count twice
    records.append(record("o0", 99.0, 99.0, 0.9, report_date="2024-01-01"))
    found = comparison.benchmark(records, "me", "contractual", "klein", OWN)
    assert found.available and found.n_comparable == 5
    index, nps, churn = found.positions
    # hand-worked: index others 31.2 42.6 47.3 55.8 61.4, own 50 -> better than 3;
    # quartiles (linear) 42.6 / 47.3 / 55.8, rounded to 5 -> 45 / 45 / 55
    assert (index.better_than, index.q1, index.median, index.q3) == (3, 45.0, 45.0, 55.0)
    # NPS -4.4 12.7 21.9 33.6 41.3, own 29.3 -> better than 3; 12.7/21.9/33.6 -> 15/20/35
    assert (nps.better_than, nps.q1, nps.median, nps.q3) == (3, 15.0, 20.0, 35.0)
    # churn (lower is better) .031 .012 .052 .024 .009, own .018 -> better than 3 (.024 .031
    # .052); quartiles .012/.024/.031 -> 1 % / 2 % / 3 %
    assert (churn.better_than, churn.q1, churn.median, churn.q3) == (3, 0.01, 0.02, 0.03)
    # no other client's exact value anywhere in the benchmark
    exact = {v for values in OTHERS for v in values}
    dumped = json.dumps(asdict(found))
    for value in exact:
        assert repr(value) not in dumped
    assert "o1" not in dumped and "Handwerk" not in dumped


def test_figure_missing_for_some_others_is_not_compared():
    records = [record(f"o{i}", *v) for i, v in enumerate(OTHERS)]
    records[0] = record("o0", OTHERS[0][0], None, OTHERS[0][2])  # one without NPS
    found = comparison.benchmark(records, "me", "contractual", "klein", OWN)
    index, nps, _ = found.positions
    assert index.shown and not nps.shown and nps.n_others == 4 and nps.median is None
    view = benchmark_view(found, "de")
    assert len(view["sentences"]) == 2
    assert "weniger als 5" in view["rows"][1]["note"]


def _report(tmp_path: Path, benchmark: comparison.Benchmark | None, lang: str = "de") -> str:
    results = (
        client_results(lang=lang)
        if benchmark is None
        else client_results(lang=lang, benchmark=benchmark)
    )
    return render_report(new_notebook(), make_params(tmp_path), results, lang)


def _block(html: str) -> str:
    match = re.search(r'<section class="benchmark.*?</section>', html, re.DOTALL)
    assert match, "comparison block missing"
    return match.group(0)


def test_report_block_five_others(tmp_path):
    records = [record(f"o{i}", *v) for i, v in enumerate(OTHERS)]
    found = comparison.benchmark(records, "me", "contractual", "klein", OWN)
    html = _report(tmp_path, found)
    block = _block(html)
    assert 'href="#sec-benchmark"' in html
    assert "Reifegrad-Index: besser als 3 von 5 vergleichbaren Unternehmen" in block
    assert "Median der Vergleichsgruppe rund 45." in block
    assert "Weiterempfehlung (NPS): besser als 3 von 5" in block and "rund +20." in block
    assert "Kündigungsquote: niedriger (besser) als bei 3 von 5" in block
    assert "1,8\u202f%" in block  # the client's own churn
    # no other client's value, at full or at report precision
    for i_value, nps_value, churn_value in OTHERS:
        for text in (
            f"{i_value:.1f}".replace(".", ","),
            f">{round(i_value)}<",
            f"+{round(nps_value)}" if nps_value > 0 else f"−{round(-nps_value)}",
            f"{churn_value * 100:.1f}".replace(".", ",") + "\u202f%",
        ):
            assert text not in block, text
    english = _block(_report(tmp_path, found, "en"))
    assert "CX maturity index: better than 3 of 5 comparable companies" in english


def test_report_block_too_few_and_off(tmp_path):
    found = comparison.benchmark(
        [record("o1", 40.0, 10.0, 0.02)], "me", "contractual", "klein", OWN
    )
    # too few others: no empty section in the contents, a note in the appendix's method notes
    html = _report(tmp_path, found)
    assert "sec-benchmark" not in html and '<section class="benchmark' not in html
    notes = re.search(r'<dl class="notes">.*?</dl>', html, re.DOTALL).group(0)
    assert "mindestens 5 vergleichbare Unternehmen" in notes
    assert "40" not in notes
    for benchmark in (None, replace(found, reason="off")):
        html = _report(tmp_path, benchmark)
        assert "sec-benchmark" not in html


# --- the hooks in run_client ---------------------------------------------------------


RUN = client_results(
    lang="de",
    input_hash="ab" * 32,
    sections=[
        {"id": "maturity", "figures": {"available": True, "index": 50.0, "stage": 3,
                                       "respondents": 6}},
        {"id": "kpi", "figures": {"baseline": [{"kpi": "nps", "value": 29.3, "n": 41}]}},
    ],
)  # fmt: skip
FIGURES = pr.key_figures(RUN.sections)


def test_hooks_write_and_compare(tmp_path, monkeypatch):
    monkeypatch.delenv(storage.ENV_VAR, raising=False)
    portfolio = seeded(tmp_path, OTHERS)
    params = make_params(tmp_path)
    first = hooks.benchmark_for_run(params, FIGURES, tmp_path)
    assert first.available and first.n_comparable == 5
    assert hooks.record_run(params, RUN, tmp_path) is not None
    assert len(portfolio.records()) == 6
    again = hooks.benchmark_for_run(params, FIGURES, tmp_path)  # own row never counts
    assert again.n_comparable == 5


def test_hooks_never_fail_the_report(tmp_path, monkeypatch):
    broken = tmp_path / "broken.sqlite"
    broken.write_text("kaputt " * 200, encoding="utf-8")
    monkeypatch.setenv(storage.ENV_VAR, str(broken))
    params = make_params(tmp_path)
    log = tmp_path / "run.log"
    log.write_text("", encoding="utf-8")
    result = hooks.benchmark_for_run(params, FIGURES, tmp_path)
    assert result.available is False and result.reason == "error"
    assert benchmark_view(result, "de") is None
    assert hooks.record_run(params, RUN, tmp_path, log) is None
    assert "WARNING Kennzahlen nicht ins Portfolio" in log.read_text(encoding="utf-8")
    monkeypatch.setenv(storage.ENV_VAR, "off")
    assert hooks.record_run(params, RUN, tmp_path, log) is None
    assert hooks.benchmark_for_run(params, FIGURES, tmp_path).reason == "off"
    monkeypatch.setenv(storage.ENV_VAR, str(tmp_path / "not-yet.sqlite"))
    first_ever = hooks.benchmark_for_run(params, FIGURES, tmp_path)
    # the first run ever reads like an empty portfolio (same results.json as the run after it)
    assert first_ever.reason == "too_few" and first_ever.as_of is None
    assert first_ever.n_comparable == 0
    assert not (tmp_path / "not-yet.sqlite").exists()  # reading never creates the file


# --- the portfolio page -----------------------------------------------------------


def test_portfolio_page_escaped_offline_pseudonymous(tmp_path):
    evil = '<script>alert("x")</script> & Co'
    records = [record(f"key{i}", *v, industry=evil) for i, v in enumerate(OTHERS)]
    html = render_portfolio(records, "de", source="<db>")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
    assert "&lt;db&gt;" in html
    assert re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) is None
    assert "http://" not in html and "https://" not in html
    assert 'src="data:image/png;base64,' in html
    assert "key3" in html and "5 Kunden, 5 Auswertungen" in html
    assert "Intern" in html


def test_portfolio_names_only_from_local_parameter_files(tmp_path):
    portfolio = storage.Portfolio(tmp_path / "p.sqlite")
    params = make_params(tmp_path, client_id="mueller-bau")
    portfolio.record(params, OWN, "de", None)
    other = make_params(tmp_path, client_id="fremd")
    portfolio.record(other, OWN, "de", None)
    salt, records = portfolio.read()
    folder = tmp_path / "parameters"
    folder.mkdir()
    (folder / "mueller.yaml").write_text("client:\n  id: mueller-bau\n", encoding="utf-8")
    (folder / "broken.yaml").write_text("client: [\n", encoding="utf-8")
    names = client_ids_from_parameters(folder, salt)
    assert names == {pr.client_key("mueller-bau", salt): "mueller-bau"}
    plain = render_portfolio(records, "de")
    assert "mueller-bau" not in plain and pr.client_key("mueller-bau", salt) in plain
    named = render_portfolio(records, "de", names)
    assert "mueller-bau" in named and "fremd" not in named
    assert "1 von 2 zugeordnet" in named
    assert "0 von 2 zugeordnet" in render_portfolio(records, "de", {})


def test_texts_have_the_same_keys_in_both_languages():
    de = {k for k in catalogue("de") if k.startswith("portfolio.")}
    en = {k for k in catalogue("en") if k.startswith("portfolio.")}
    assert de == en and len(de) > 30


# --- the command -----------------------------------------------------------------


def test_cli_portfolio(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(storage.ENV_VAR, raising=False)
    out = tmp_path / "reports" / "portfolio.html"
    assert main(["portfolio", "--out", str(out)]) == 1  # no database beside it yet
    err = capsys.readouterr().err
    assert "Keine Portfolio-Datenbank" in err and "Traceback" not in err
    seeded(tmp_path / "reports", OTHERS)
    assert main(["portfolio", "--out", str(out)]) == 0
    assert "5 Kunden" in capsys.readouterr().out
    assert "<!DOCTYPE html>" in out.read_text(encoding="utf-8")
    english = tmp_path / "en.html"
    db = tmp_path / "reports" / "portfolio.sqlite"
    assert main(["portfolio", "--db", str(db), "--out", str(english), "--lang", "en"]) == 0
    assert "Client portfolio" in english.read_text(encoding="utf-8")
    missing = str(tmp_path / "gibt-es-nicht")
    args = ["portfolio", "--db", str(db), "--out", str(english), "--names", "--params-dir", missing]
    assert main(args) == 1
    assert "Ordner der Parameterdateien nicht gefunden" in capsys.readouterr().err
    junk = tmp_path / "junk.sqlite"
    junk.write_text("nein " * 300, encoding="utf-8")
    assert main(["portfolio", "--db", str(junk), "--out", str(out)]) == 1
    assert "nicht lesbar" in capsys.readouterr().err
    monkeypatch.setenv(storage.ENV_VAR, "off")
    assert main(["portfolio", "--out", str(out)]) == 1
    assert "ausgeschaltet" in capsys.readouterr().err


# --- end to end ------------------------------------------------------------------


@pytest.mark.slow
def test_run_client_compares_and_records(tmp_path, monkeypatch):
    from cxlib.runner.run import run_client

    monkeypatch.delenv(storage.ENV_VAR, raising=False)
    portfolio = seeded(tmp_path, OTHERS)  # five other small contract businesses
    result = run_client(ROOT / "parameters" / "berger-haustechnik.yaml", out_dir=tmp_path)
    assert result.ok
    results = read_results(tmp_path / "berger-haustechnik")
    bench = results.benchmark
    assert bench.available and bench.n_comparable == 5
    assert [p.metric for p in bench.positions if p.shown] == list(comparison.METRICS)
    html = (tmp_path / "berger-haustechnik" / "report.html").read_text("utf-8")
    assert "von 5 vergleichbaren Unternehmen" in _block(html)
    rows = portfolio.records()
    assert len(rows) == 6
    own = [r for r in rows if r.client_key == portfolio.client_key("berger-haustechnik")]
    assert len(own) == 1 and own[0].input_hash == results.input_hash
    assert own[0].maturity_index == bench.positions[0].value
