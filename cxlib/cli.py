"""The ``cxwb`` command: a thin layer over :mod:`cxlib`'s Python API.

Users' mistakes (bad YAML, missing file, bad data, unknown client) end with a
plain message and exit code 1; a traceback appears only for real bugs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from cxlib import __version__
from cxlib.exceptions import CXError
from cxlib.resources import default_dir
from cxlib.runner.timings import process_age

#: Seconds from the process's start until this module was imported (Python's start-up).
_AGE_AT_IMPORT = process_age()


def _iso_date(text: str) -> dt.date:
    """A date as 2025-12-31 for the command line, or a plain error."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"kein Datum wie 2025-12-31: „{text}“") from None


def _cmd_new(args: argparse.Namespace) -> int:
    from cxlib.parameters.scaffold import new_client

    written = new_client(
        args.client_id,
        Path(args.dir),
        Path(args.data_dir),
        args.name,
        business_model=args.business_model,
        data_cutoff=args.data_cutoff,
    )
    print(f"Angelegt für {args.client_id}:")
    for path in written:
        print(f"  {path}")
    print(f"Weiter: Daten ablegen, Parameterdatei anpassen, dann `cxwb validate {written[0]}`.")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from cxlib.formatting import integer
    from cxlib.io.cutoff import data_age, stale_text
    from cxlib.parameters.scaffold import placeholders
    from cxlib.runner.run import prepare
    from cxlib.texts import t

    failures = 0
    for item in args.params:
        try:
            params, data = prepare(item)
        except CXError as exc:
            failures += 1
            print(f"FEHLER {item}\n{exc}\n", file=sys.stderr)
            continue
        quality = data.quality_frame()
        print(f"ok     {params.client.id} ({params.source})")
        if warning := stale_text(data_age(params, data)):
            print(f"       WARNUNG {warning}")
        for key in placeholders(params.consultant, len(params.workshop.journeys)):
            print("       " + t(f"workshop_store.placeholder_{key.split('.')[-1]}", "de"))
        for row in quality.itertuples():
            rejected = f", {row.rows_rejected} verworfen" if row.rows_rejected else ""
            rows = integer(row.rows_read)
            print(f"       {row.table}: {rows} Zeilen aus {row.file}{rejected}")
    return 1 if failures else 0


def _ask_for_pdf(args: argparse.Namespace) -> None:
    """``--pdf``: every run of this command (and a batch's workers) also prints report.pdf."""
    if getattr(args, "pdf", False):
        from cxlib.report.pdf import ENV_VARIABLE

        os.environ[ENV_VARIABLE] = "1"


def _cmd_run(args: argparse.Namespace) -> int:
    import time

    _ask_for_pdf(args)
    from cxlib.runner.timings import stopwatch

    stopwatch.enabled = args.timings
    age = process_age()
    started = time.perf_counter()
    if age is not None and _AGE_AT_IMPORT is not None:
        stopwatch.add("process start (Python)", _AGE_AT_IMPORT)
        stopwatch.add("imports (cxlib.cli)", age - _AGE_AT_IMPORT)
    launch = time.perf_counter()
    from cxlib.resources import notebooks_dir
    from cxlib.runner.kernel import dealt_preloads, notebook_kernels, started_kernels

    count = notebook_kernels()
    notebooks = sorted(notebooks_dir().glob("[0-9][0-9]-*.ipynb"))  # runner.run.NOTEBOOK_GLOB
    preloads = dealt_preloads(notebooks, count)
    with started_kernels(count, preloads=preloads) as kernels:  # forked, or booting meanwhile
        how = (
            "fork after shared imports" if kernels and kernels[0].started_by == "fork" else "spawn"
        )
        stopwatch.add(f"kernel launch (jupyter_client, {how})", time.perf_counter() - launch)
        with stopwatch.phase("imports (runner)"):
            from cxlib.runner.run import run_client

        result = run_client(args.params, out_dir=args.out, lang=args.lang, kernels=kernels)
        closing = time.perf_counter()
    stopwatch.add("kernel shutdown", time.perf_counter() - closing)
    print(f"Bericht: {result.report} ({result.seconds:.1f} s)")
    pdf = result.report.with_name("report.pdf") if result.report else None
    if pdf is not None and pdf.is_file():
        print(f"PDF: {pdf}")
    if args.timings:
        total = time.perf_counter() - started + (age or 0.0)
        print("Zeiten (teils gleichzeitig: die Kernel starten, während die Daten laden):")
        print(stopwatch.table(total))
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from cxlib.runner.batch import run_batch

    _ask_for_pdf(args)
    batch = run_batch(
        args.inputs,
        out_dir=args.out,
        jobs=args.jobs,
        lang=args.lang,
        progress=not args.no_progress,
        force=args.force,
        scheduler=args.scheduler,
    )
    print(batch.table())
    for result in batch.results:
        if not result.ok:
            print(f"\n{result.client_id}:\n{result.message}", file=sys.stderr)
    print(batch.summary())
    return 0 if batch.ok else 1


def _cmd_schema(args: argparse.Namespace) -> int:
    if args.results:
        import json

        from cxlib.runner.results import ClientResults

        schema = ClientResults.model_json_schema()
        text = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    else:
        from cxlib.parameters.files import json_schema_text

        text = json_schema_text()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"JSON Schema geschrieben: {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from cxlib.demo import generate_all

    written = generate_all(Path(args.out))
    for client, paths in written.items():
        print(f"{client}: {len(paths)} Dateien")
    return 0


def _cmd_workshop(args: argparse.Namespace) -> int:
    from cxlib.workshop.server import serve_workshop

    return serve_workshop(
        args.client_id,
        folder=args.dir,
        port=args.port,
        ip=args.ip,
        open_browser=not args.no_browser,
        lang=args.lang,
        writer=args.name,
    )


def _cmd_portfolio(args: argparse.Namespace) -> int:
    from cxlib.portfolio.page import resolve_database, write_portfolio
    from cxlib.texts import t

    db = resolve_database(args.db, args.out)
    names = Path(args.params_dir) if args.names else None
    path, clients = write_portfolio(db, args.out, lang=args.lang, names_dir=names)
    print(t("portfolio.cli.written", args.lang, path=path, clients=clients))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``cxwb`` (also used to document the CLI)."""
    parser = argparse.ArgumentParser(
        prog="cxwb",
        description="CX-Workbook: Reifegrad, Journey-Auswahl, Kennzahlen und Verbleibanalyse "
        "als ein HTML-Bericht je Kunde.",
    )
    parser.add_argument("--version", action="version", version=f"cxwb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="BEFEHL")

    p = sub.add_parser("new", help="Parameterdatei und Datenvorlagen für einen neuen Kunden")
    p.add_argument("client_id", help="Kurzname, z. B. muster-gmbh")
    p.add_argument("--name", help="Firmenname für den Bericht")
    p.add_argument("--dir", default="parameters", help="Ordner der Parameterdateien")
    p.add_argument("--data-dir", default="data", help="Ordner der Kundendaten")
    p.add_argument(
        "--business-model",
        choices=["contractual", "non_contractual"],
        default="contractual",
        help="mit Verträgen (contractual) oder ohne, mit Wiederkäufen (non_contractual)",
    )
    p.add_argument(
        "--data-cutoff",
        type=_iso_date,
        help="Datenstand: Tag der letzten Daten im Export, z. B. 2025-12-31",
    )
    p.set_defaults(func=_cmd_new)

    p = sub.add_parser("validate", help="Parameter und alle Datendateien prüfen")
    p.add_argument("params", nargs="+", help="Parameterdatei(en) oder Kunden-ID(s)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("run", help="Bericht für einen Kunden erzeugen")
    p.add_argument("params", help="Parameterdatei oder Kunden-ID")
    p.add_argument("--lang", choices=["de", "en"], help="Sprache (Standard: aus der Datei)")
    p.add_argument("--out", default="reports", help="Zielordner (Standard: reports)")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="auch report.pdf schreiben (A4, braucht Chromium; ohne Chromium nur HTML)",
    )
    p.add_argument("--timings", action="store_true", help="zeigen, wohin die Zeit des Laufs geht")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("batch", help="Berichte für viele Kunden parallel erzeugen")
    p.add_argument("inputs", nargs="+", help="Parameterdateien oder Ordner damit")
    p.add_argument("--jobs", "-j", type=int, help="parallele Prozesse (Standard: CPU-Kerne)")
    p.add_argument("--lang", choices=["de", "en"], help="Sprache für alle Kunden")
    p.add_argument("--out", default="reports", help="Zielordner (Standard: reports)")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="auch report.pdf schreiben (A4, braucht Chromium; ohne Chromium nur HTML)",
    )
    p.add_argument("--no-progress", action="store_true", help="ohne Fortschrittsbalken")
    p.add_argument(
        "--force", action="store_true", help="auch Kunden mit unveränderten Eingaben neu rechnen"
    )
    p.add_argument(
        "--scheduler",
        metavar="ADRESSE",
        help="Läufe auf einem Dask-Cluster: tcp://HOST:PORT eines laufenden Schedulers "
        "(gleiche Pfade zu Parametern und Daten auf allen Workern) oder local "
        "(lokaler Cluster mit --jobs Prozessen); Standard: lokale Prozesse",
    )
    p.set_defaults(func=_cmd_batch)

    p = sub.add_parser(
        "schema", help="JSON Schema der Parameterdateien (oder von results.json) ausgeben"
    )
    p.add_argument("--out", help="in diese Datei schreiben statt auf die Konsole")
    p.add_argument(
        "--results", action="store_true", help="das Schema von results.json statt der Parameter"
    )
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("demo-data", help="Demo-Kundendaten deterministisch neu erzeugen")
    p.add_argument("--out", default=str(default_dir("data")), help="Zielordner")
    p.set_defaults(func=_cmd_demo_data)

    p = sub.add_parser("portfolio", help="interne Seite: Kennzahlen aller Kunden im Vergleich")
    p.add_argument("--db", help="Portfolio-Datenbank (Standard: CXWB_PORTFOLIO oder neben --out)")
    p.add_argument("--out", default="reports/portfolio.html", help="Zieldatei (HTML)")
    p.add_argument("--lang", choices=["de", "en"], default="de", help="Sprache (Standard: de)")
    p.add_argument(
        "--names",
        action="store_true",
        help="Kunden-IDs statt Pseudonymen zeigen, soweit Parameterdateien vorliegen",
    )
    p.add_argument("--params-dir", default="parameters", help="Ordner der Parameterdateien")
    p.set_defaults(func=_cmd_portfolio)

    p = sub.add_parser("workshop", help="Workshop in JupyterLab für einen Kunden starten")
    p.add_argument("client_id", help="Kunden-ID oder Parameterdatei")
    p.add_argument("--port", type=int, help="Port (Standard: ein freier)")
    p.add_argument(
        "--ip",
        default="127.0.0.1",
        help="Adresse (Standard: 127.0.0.1, nur dieser Rechner; 0.0.0.0 öffnet fürs Netz)",
    )
    p.add_argument("--no-browser", action="store_true", help="keinen Browser öffnen")
    p.add_argument("--lang", choices=["de", "en"], help="Sprache (Standard: aus der Datei)")
    p.add_argument("--dir", help="Ordner des Workshop-Notebooks (Standard: workshops)")
    p.add_argument(
        "--name", help="wer speichert (Verlauf, Konflikte; Standard: consultant der Datei)"
    )
    p.set_defaults(func=_cmd_workshop)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``cxwb``; returns the exit code."""
    from cxlib.runner.startup import process_defaults, skip_slow_imports

    process_defaults()  # before numpy is imported
    args = build_parser().parse_args(argv)
    skip_slow_imports()
    try:
        return args.func(args)
    except CXError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0


def entry() -> None:
    """The ``cxwb`` console script: :func:`main`, then a quick end of the process.

    :func:`~cxlib.runner.startup.quick_finish` spares the interpreter's final
    collection (0.3 s of a report run); :func:`main` stays usable in a
    process that goes on (tests, a notebook).
    """
    from cxlib.runner.startup import quick_finish

    code = main()
    quick_finish()
    sys.exit(code)


if __name__ == "__main__":
    entry()
