"""The portfolio in HTML: the comparison block of a client report and ``cxwb portfolio``.

* :func:`benchmark_view` turns results.json's ``benchmark`` (see
  :mod:`cxlib.portfolio.comparison`) into the texts and table rows of the small section
  "Einordnung im Kundenvergleich" in the client report
  (``cxlib/report/templates/report/benchmark.html.j2``). It shows only what the benchmark
  holds: the client's own values and aggregates over at least five others.
* :func:`render_portfolio` / :func:`write_portfolio` make the consultancy's
  internal page comparing all clients: one self-contained HTML file (inline
  CSS, the chart as an inline PNG, no scripts, no external URLs), every text
  escaped by Jinja's autoescape. Clients appear under their pseudonymous key
  with industry and size; the client id is shown only when asked for
  (``names_dir``) *and* the consultancy's own parameter file for that client
  is at hand locally: the key is recomputed from the ids found there, so the
  database itself never needs to hold an id.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import statistics
import tempfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from cxlib import formatting as fmt
from cxlib.exceptions import PortfolioError
from cxlib.portfolio.comparison import MIN_COMPARABLE, Benchmark
from cxlib.portfolio.records import PortfolioRecord, client_key, latest
from cxlib.portfolio.storage import Portfolio, database_path
from cxlib.resources import portfolio_templates_dir
from cxlib.texts import t

__all__ = [
    "benchmark_view",
    "client_ids_from_parameters",
    "render_portfolio",
    "resolve_database",
    "write_portfolio",
]


# --- values in the reader's language ------------------------------------------------


def format_metric(metric: str, value: float | None, lang: str, aggregate: bool = False) -> str:
    """A figure as the report writes it: index 37, NPS +29, churn 1,8 % (aggregates 2 %)."""
    if metric == "maturity_index":
        return fmt.number(value, 0, lang)
    if metric == "nps":
        return fmt.signed(value, 0, lang)
    if metric == "churn_rate":
        return fmt.percent(value, 0 if aggregate else 1, lang)
    raise ValueError(f"unknown metric {metric!r}")


def _label(kind: str, value: str | None, lang: str) -> str:
    try:
        return t(f"portfolio.{kind}.{value if value else 'none'}", lang)
    except KeyError:
        return str(value)


# --- the block in the client report ----------------------------------------------


def benchmark_view(benchmark: Benchmark | None, lang: str) -> dict[str, object] | None:
    """Texts and rows of the report's comparison section; None to leave it out.

    Left out when the portfolio is switched off, does not exist yet or could
    not be read (the run's log says why); one sentence when it exists but has
    too few comparable clients.
    """
    if benchmark is None or benchmark.reason in ("off", "error"):
        return None
    minimum = fmt.integer(benchmark.min_comparable, lang)
    if not benchmark.available:
        return {"available": False, "text": t("portfolio.report.too_few", lang, min=minimum)}
    sentences: list[str] = []
    rows: list[dict[str, str | None]] = []
    for item in benchmark.positions:
        metric = item.metric
        label = t(f"portfolio.metrics.{metric}", lang)
        value = format_metric(metric, item.value, lang)
        if not item.shown:
            reason = "no_value" if item.value is None else "not_compared"
            rows.append(
                {
                    "metric": label,
                    "value": value,
                    "note": t(f"portfolio.report.{reason}", lang, min=minimum),
                }
            )
            continue
        n, better = fmt.integer(item.n_others, lang), fmt.integer(item.better_than, lang)
        median = format_metric(metric, item.median, lang, aggregate=True)
        key = "sentence_churn" if metric == "churn_rate" else "sentence"
        sentences.append(
            t(f"portfolio.report.{key}", lang, metric=label, better=better, n=n, median=median)
        )
        rows.append(
            {
                "metric": label,
                "value": value,
                "note": None,
                "rank": t("portfolio.report.rank", lang, better=better, n=n),
                "median": median,
                "range": t(
                    "portfolio.report.range",
                    lang,
                    low=format_metric(metric, item.q1, lang, aggregate=True),
                    high=format_metric(metric, item.q3, lang, aggregate=True),
                ),
            }
        )
    try:
        date = fmt.date(dt.datetime.fromisoformat(str(benchmark.as_of)), lang)
    except ValueError:
        date = fmt.MISSING
    return {
        "available": True,
        "intro": t(
            "portfolio.report.intro",
            lang,
            n=fmt.integer(benchmark.n_comparable, lang),
            model=_label("business_model", benchmark.business_model, lang),
            size=_label("size_class", benchmark.size_class, lang),
        ),
        "sentences": sentences,
        "rows": rows,
        "note": t("portfolio.report.note", lang, date=date),
    }


# --- the consultancy's portfolio page ---------------------------------------------


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(portfolio_templates_dir()),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def client_ids_from_parameters(params_dir: str | Path, salt: str) -> dict[str, str]:
    """``{client_key: client_id}`` for the parameter files (``*.yaml``) in ``params_dir``.

    Only the ``client.id`` of each file is read; files that are not valid YAML
    are skipped (``cxwb validate`` is the place to find their mistakes).
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe")
    out: dict[str, str] = {}
    folder = Path(params_dir)
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            content = yaml.load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, YAMLError):
            continue
        client = content.get("client") if isinstance(content, dict) else None
        client_id = client.get("id") if isinstance(client, dict) else None
        if isinstance(client_id, str) and client_id:
            out[client_key(client_id, salt)] = client_id
    return out


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _chart(records: list[PortfolioRecord], lang: str) -> str | None:
    """Maturity index against NPS, one dot per client, as a data: URI (PNG); None if empty."""
    points = [r for r in records if r.maturity_index is not None and r.nps is not None]
    if not points:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cxlib.report import charts as plots

    plots.apply_style()
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    try:
        markers = {"contractual": "o", "non_contractual": "s"}
        for model in sorted({r.business_model or "" for r in points}):
            group = [r for r in points if (r.business_model or "") == model]
            ax.scatter(
                [float(r.maturity_index or 0.0) for r in group],  # None filtered out above
                [float(r.nps or 0.0) for r in group],
                marker=markers.get(model, "^"),
                color=plots.ACCENT if model == "contractual" else plots.GREY,
                label=_label("business_model", model or None, lang),
                alpha=0.85,
            )
        ax.set_xlim(0, 100)
        ax.set_ylim(-100, 100)
        ax.axhline(0, color=plots.LIGHT_GREY, linewidth=0.8, zorder=0)
        ax.set_xlabel(t("portfolio.page.chart_x", lang))
        ax.set_ylabel(t("portfolio.page.chart_y", lang))
        ax.set_title(t("portfolio.page.chart_title", lang))
        ax.grid(True, axis="both", color=plots.LIGHT_GREY, linewidth=0.6)
        ax.legend(frameon=False, loc="lower right")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def render_portfolio(
    records: list[PortfolioRecord],
    lang: str = "de",
    names: Mapping[str, str] | None = None,
    source: str = "",
    now: dt.datetime | None = None,
) -> str:
    """The portfolio page as one self-contained HTML document.

    ``records`` are all rows of the portfolio (each client is shown with its
    latest one); ``names`` maps client keys to client ids (shown instead of the
    key where known; None: names not asked for); ``source`` names the database
    file.
    """
    current = latest(records)
    runs: dict[str, int] = {}
    for record in records:
        runs[record.client_key] = runs.get(record.client_key, 0) + 1
    requested = names is not None
    names = dict(names or {})
    number: Callable[[Any], str] = lambda v: fmt.integer(v, lang)  # noqa: E731

    def with_n(metric: str, value: float | None, n: int | None) -> str:
        text = format_metric(metric, value, lang)
        return text if value is None or n is None else f"{text} ({number(n)})"

    groups: dict[tuple[str, str], list[PortfolioRecord]] = {}
    for record in current:
        groups.setdefault((record.business_model or "", record.size_class or ""), []).append(record)
    group_rows = [
        {
            "model": _label("business_model", model or None, lang),
            "size": _label("size_class", size or None, lang),
            "clients": number(len(members)),
            "benchmark": t(
                "portfolio.page.benchmark_yes"
                if len(members) - 1 >= MIN_COMPARABLE
                else "portfolio.page.benchmark_no",
                lang,
            ),
            "index": format_metric(
                "maturity_index", _median([m.maturity_index for m in members]), lang
            ),
            "nps": format_metric("nps", _median([m.nps for m in members]), lang),
            "churn": format_metric("churn_rate", _median([m.churn_rate for m in members]), lang),
        }
        for (model, size), members in sorted(groups.items())
    ]
    client_rows = [
        {
            "client": names.get(r.client_key, r.client_key),
            "named": r.client_key in names,
            "industry": r.industry or fmt.MISSING,
            "size": _label("size_class", r.size_class, lang),
            "model": _label("business_model", r.business_model, lang),
            "date": fmt.date(dt.date.fromisoformat(r.report_date), lang),
            "lang": r.language or fmt.MISSING,
            "index": format_metric("maturity_index", r.maturity_index, lang),
            "stage": number(r.maturity_stage),
            "nps": with_n("nps", r.nps, r.nps_n),
            "churn": with_n("churn_rate", r.churn_rate, r.churn_n),
            "runs": number(runs[r.client_key]),
            "version": r.cxlib_version or fmt.MISSING,
        }
        for r in sorted(
            current, key=lambda r: (r.business_model or "", r.size_class or "", r.client_key)
        )
    ]
    found = sum(1 for r in current if r.client_key in names)
    stamp = now or dt.datetime.now()
    context = {
        "lang": lang,
        "t": lambda key, **kw: t(f"portfolio.{key}", lang, **kw),
        "generated": t(
            "portfolio.page.generated",
            lang,
            date=f"{fmt.date(stamp, lang)} {stamp:%H:%M}",
            db=source,
        ),
        "counts": t(
            "portfolio.page.counts", lang, clients=number(len(current)), runs=number(len(records))
        ),
        "names_note": (
            t("portfolio.page.names_note", lang, found=number(found), clients=number(len(current)))
            if requested
            else t("portfolio.page.pseudonym_note", lang)
        ),
        "groups_intro": t("portfolio.page.groups_intro", lang, min=number(MIN_COMPARABLE)),
        "groups": group_rows,
        "clients": client_rows,
        "chart": _chart(current, lang),
    }
    return _environment().get_template("page.html.j2").render(context)


def resolve_database(db: str | Path | None, out: str | Path) -> Path:
    """The database for ``cxwb portfolio``: ``db``, else ``CXWB_PORTFOLIO``, else beside ``out``."""
    if db:
        return Path(db).expanduser()
    path = database_path(Path(out).expanduser().parent)
    if path is None:
        raise PortfolioError(
            "Das Portfolio ist ausgeschaltet (CXWB_PORTFOLIO=off); mit --db eine Datei angeben."
        )
    return path


def write_portfolio(
    db: str | Path,
    out: str | Path,
    lang: str = "de",
    names_dir: str | Path | None = None,
) -> tuple[Path, int]:
    """Write the portfolio page of ``db`` to ``out``; returns the path and the number of clients.

    ``names_dir``: a folder of parameter files whose client ids are shown
    instead of the pseudonyms (None: pseudonyms only). Raises
    :class:`PortfolioError` when ``db`` is missing or unreadable.
    """
    portfolio = Portfolio(db)
    if not portfolio.exists():
        raise PortfolioError(t("portfolio.cli.no_db", "de", path=portfolio.path))
    salt, records = portfolio.read()
    names = None
    if names_dir is not None:
        if not Path(names_dir).is_dir():
            raise PortfolioError(f"Ordner der Parameterdateien nicht gefunden: {names_dir}")
        names = client_ids_from_parameters(names_dir, salt) if salt else {}
    html = render_portfolio(records, lang, names, source=str(portfolio.path))
    target = Path(out).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(html)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target, len(latest(records))
