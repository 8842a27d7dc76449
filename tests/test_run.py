"""End to end: the CLI runs a demo client and writes a report a client can receive.

These tests execute the real notebooks in a Jupyter kernel (a few seconds each).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from cxlib.exceptions import DataError, NotebookError, RunError
from cxlib.runner.batch import run_batch
from cxlib.runner.kernel import notebook_kernels
from cxlib.runner.results import read_results
from cxlib.runner.run import run_client
from cxlib.texts import t

PROJECT = Path(__file__).resolve().parent.parent
SMALL = PROJECT / "parameters" / "berger-haustechnik.yaml"
CXWB = Path(sys.executable).parent / "cxwb"
SECTIONS = ("maturity", "journey", "kpi", "survival")


class Attributes(HTMLParser):
    """Collects tags and their src/href attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.links.append(value)
            if tag == "html" and name == "lang":
                self.html_lang = value


def parse(html: str) -> Attributes:
    parser = Attributes()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def german_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    done = subprocess.run(
        [str(CXWB), "run", str(SMALL), "--out", str(out), "--timings"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (out / "stdout.txt").write_text(done.stdout, encoding="utf-8")
    return out / "berger-haustechnik"


@pytest.mark.slow
def test_timings_name_every_phase_and_notebook_and_add_up_to_no_more_than_the_wall(
    german_run: Path,
):
    lines = (german_run.parent / "stdout.txt").read_text(encoding="utf-8").splitlines()
    seconds = {
        line.rsplit(None, 2)[0].strip(): float(line.rsplit(None, 2)[1])
        for line in lines
        if line.endswith(" s") and line.startswith("  ")
    }
    for phase in ("validation (parameters)", "load (data files)", "render (report.html)"):
        assert phase in seconds
    notebooks = sorted(p.name for p in (german_run / "notebooks").glob("*.ipynb"))
    for name in notebooks:
        assert f"notebook {name} (cells)" in seconds
        assert f"report HTML ({name})" in seconds  # each converted on its own
    assert any(label.startswith("kernel wait") for label in seconds)
    total = seconds.pop("total (wall)")
    assert seconds["client run (validation to report)"] <= total
    assert (
        seconds[
            "notebooks (wall, kernels at once)" if notebook_kernels() > 1 else "notebooks (wall)"
        ]
        <= total
    )


@pytest.mark.slow
def test_cli_writes_report_results_notebooks_and_log(german_run: Path):
    assert (german_run / "report.html").is_file()
    assert (german_run / "run.log").is_file()
    notebooks = sorted(p.name for p in (german_run / "notebooks").glob("*.ipynb"))
    assert [n[:3] for n in notebooks] == ["01-", "02-", "03-", "04-"]
    results = json.loads((german_run / "results.json").read_text(encoding="utf-8"))
    assert results["schema_version"] == 2
    assert results["client_id"] == "berger-haustechnik"
    assert re.fullmatch(r"[0-9a-f]{64}", results["input_hash"])
    assert results["versions"]["cxlib"]
    assert [s["id"] for s in results["sections"]] == list(SECTIONS)
    assert 2 <= len(results["summary"]) <= 7
    tables = {row["table"] for row in results["data_quality"]}
    assert {"customers", "survey", "maturity"} <= tables
    kernels = notebook_kernels()
    assert f"notebooks in {kernels} kernel(s)" in (german_run / "run.log").read_text("utf-8")
    # one testing family for the report: the KPI comparisons and the churn tests together
    family = results["tests"]
    ids = [test["id"] for test in family["tests"]]
    assert family["size"] == len(ids) and family["method"] == "holm"
    assert any(i.startswith("kpi/") for i in ids) and any(i.startswith("survival/") for i in ids)
    churn = results["sections"][3]["figures"]["claims"]
    assert churn["family_size"] == family["size"]


def test_results_json_is_the_typed_model_written_byte_for_byte(german_run: Path):
    text = (german_run / "results.json").read_text(encoding="utf-8")
    results = read_results(german_run)
    assert results.to_json() == text
    assert results.client_id == "berger-haustechnik" and results.lang == "de"


@pytest.mark.slow
def test_report_is_clean_offline_and_german(german_run: Path):
    html = (german_run / "report.html").read_text(encoding="utf-8")
    page = parse(html)
    assert page.html_lang == "de"
    assert "Traceback" not in html
    assert "script" not in page.tags
    external = [link for link in page.links if not link.startswith(("data:", "#"))]
    assert external == []
    assert "workbook.open_client" not in html  # no input cells
    assert "In&nbsp;[" not in html and "In [" not in html  # no prompts
    assert "params_file" not in html  # no parameters cell
    assert "PosixPath(" not in html and str(german_run) not in html  # no stray reprs
    for section in SECTIONS:
        assert f'id="sec-{section}"' in html
        assert t(f"sections.{section}.title", "de") in html
    assert "Management-Summary" in html
    assert len(html.encode()) < 2_000_000


@pytest.mark.slow
def test_client_text_is_escaped(german_run: Path):
    html = (german_run / "report.html").read_text(encoding="utf-8")
    assert "GmbH &amp; Co. KG" in html
    assert "GmbH & Co. KG" not in html


@pytest.mark.slow
def test_english_report_from_the_same_notebooks(tmp_path: Path, monkeypatch):
    # a stale user kernelspec "python3" for another interpreter must not matter
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    "/nonexistent/python",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "old",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # and a client too big for a kernel each runs its notebooks in one kernel
    monkeypatch.setattr("cxlib.runner.run.PARALLEL_ROW_LIMIT", 0)
    result = run_client(SMALL, out_dir=tmp_path / "out", lang="en", parallel=2)
    assert "notebooks in 1 kernel(s)" in result.log.read_text("utf-8")
    html = result.report.read_text(encoding="utf-8")
    assert parse(html).html_lang == "en"
    assert t("sections.kpi.title", "en") in html
    assert t("sections.kpi.title", "de") not in html


def copy_client(tmp_path: Path) -> Path:
    """A copy of the small demo client that a test may break."""
    shutil.copytree(
        PROJECT / "data" / "berger-haustechnik", tmp_path / "data" / "berger-haustechnik"
    )
    (tmp_path / "parameters").mkdir()
    params = tmp_path / "parameters" / SMALL.name
    shutil.copy(SMALL, params)
    return params


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_failures_never_touch_the_last_good_report(tmp_path: Path, monkeypatch):
    params = copy_client(tmp_path)
    out = tmp_path / "reports"
    first = run_client(params, out_dir=out)
    good = snapshot(out / "berger-haustechnik")

    # A second good run gives the same results apart from the timestamp.
    run_client(params, out_dir=out)
    again = json.loads((out / "berger-haustechnik" / "results.json").read_text(encoding="utf-8"))
    before = json.loads(good["results.json"])
    before.pop("generated_at"), again.pop("generated_at")
    assert again == before
    good = snapshot(out / "berger-haustechnik")

    # Bad data: found before anything is written.
    customers = next((tmp_path / "data" / "berger-haustechnik").glob("*unden*"))
    customers.write_bytes(b"")
    with pytest.raises(DataError):
        run_client(params, out_dir=out)
    assert snapshot(out / "berger-haustechnik") == good
    # the portfolio beside the reports holds the good runs' key figures
    assert sorted(p.name for p in out.iterdir()) == ["berger-haustechnik", "portfolio.sqlite"]

    # A failure inside the notebooks: the old report stays, the log is kept aside.
    shutil.copytree(PROJECT / "data" / "berger-haustechnik", customers.parent, dirs_exist_ok=True)
    broken = tmp_path / "notebooks"
    broken.mkdir()
    for path in sorted((PROJECT / "notebooks").glob("*.ipynb")):
        shutil.copy(path, broken / path.name)
    notebook = nbformat.read(broken / "03-kennzahlen.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(notebook, broken / "03-kennzahlen.ipynb")
    monkeypatch.setenv("CXWB_NOTEBOOKS", str(broken))
    with pytest.raises(RunError) as info:
        run_client(params, out_dir=out)
    assert "ZeroDivisionError" in str(info.value) and "Programmfehler" in str(info.value)
    assert isinstance(info.value, NotebookError) and info.value.internal
    assert info.value.log_path and Path(info.value.log_path).is_file()
    assert "ZeroDivisionError" in Path(info.value.log_path).read_text(encoding="utf-8")
    assert snapshot(out / "berger-haustechnik") == good
    assert first.ok


@pytest.mark.slow
def test_batch_runs_the_others_when_one_fails(tmp_path: Path, capsys):
    params = copy_client(tmp_path)
    broken = tmp_path / "parameters" / "kaputt.yaml"
    broken.write_text(
        params.read_text(encoding="utf-8").replace("business_model:", "business_modell:"),
        encoding="utf-8",
    )
    batch = run_batch([tmp_path / "parameters"], out_dir=tmp_path / "out", jobs=2, progress=False)
    assert not batch.ok
    by_client = {r.client_id: r for r in batch.results}
    assert by_client["berger-haustechnik"].ok
    assert (tmp_path / "out" / "berger-haustechnik" / "report.html").is_file()
    assert by_client["kaputt"].status == "failed"
    assert "business_modell" in by_client["kaputt"].message
    table = batch.table()
    assert "FEHLER" in table and "berger-haustechnik" in table


@pytest.mark.slow
def test_papermill_runs_one_notebook_directly_with_the_same_analysis(
    german_run: Path, tmp_path: Path
):
    papermill = Path(sys.executable).parent / "papermill"
    done = subprocess.run(
        [
            str(papermill),
            str(PROJECT / "notebooks" / "03-kennzahlen.ipynb"),
            str(tmp_path / "out.ipynb"),
            "-p",
            "client_id",
            "berger-haustechnik",
            "-p",
            "output_dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "sections" / "03-kpi.json").read_text(encoding="utf-8"))
    results = json.loads((german_run / "results.json").read_text(encoding="utf-8"))
    assert record == next(s for s in results["sections"] if s["id"] == "kpi")


def test_a_users_error_only_the_kernel_sees_comes_back_with_file_row_and_column(
    tmp_path: Path,
):
    """An unknown statement id in the maturity answers passes loading; the analysis refuses it."""
    import openpyxl

    params = copy_client(tmp_path)
    answers = tmp_path / "data" / "berger-haustechnik" / "reifegrad_workshop.xlsx"
    book = openpyxl.load_workbook(answers)
    sheet = book["Reifegrad"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Frage") + 1
    sheet.cell(row=5, column=column, value="D9.9")  # row 5 as the user sees it in Excel
    book.save(answers)
    out = tmp_path / "reports"
    with pytest.raises(NotebookError) as caught:
        run_client(params, out_dir=out, parallel=1)
    error = caught.value
    assert not error.internal
    record = error.record
    assert record.error_type == "MaturityDataError"
    assert Path(record.file).name == answers.name
    assert (record.row, record.column, record.value) == (5, "Frage", "D9.9")
    assert str(error).startswith(record.message)
    assert "Zeile 5, Spalte „Frage“" in str(error) and "Programmfehler" not in str(error)
    assert error.log_path and Path(error.log_path).is_file()
    assert not (out / "berger-haustechnik").exists()  # no report
    assert (out / "berger-haustechnik.failed" / "run.log").is_file()


@pytest.mark.slow
def test_a_client_with_only_workshop_results_gets_a_report_from_the_workshop_thread(tmp_path: Path):
    from ruamel.yaml import YAML

    from cxlib.parameters.scaffold import new_client

    written = new_client("muster-gmbh", tmp_path / "parameters", tmp_path / "data", "Muster GmbH")
    # the workshop's maturity answers and journey ratings; no customer, survey or ticket data
    answers = PROJECT / "data" / "berger-haustechnik" / "reifegrad_workshop.xlsx"
    shutil.copy(answers, tmp_path / "data" / "muster-gmbh" / answers.name)
    yaml = YAML()
    params = yaml.load(written[0].read_text(encoding="utf-8"))
    berger = yaml.load(SMALL.read_text(encoding="utf-8"))
    params["data"] = {
        "maturity": {"file": f"../data/muster-gmbh/{answers.name}", "sheet": "Reifegrad"}
    }
    params["workshop"]["journeys"] = berger["workshop"]["journeys"]
    with written[0].open("w", encoding="utf-8") as handle:
        yaml.dump(params, handle)

    # as the workshop's report button does: in a background thread, two kernels at once
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(run_client, written[0], tmp_path / "reports", None, None, 2).result()
    assert "notebooks in 2 kernel(s)" in result.log.read_text("utf-8")
    html = result.report.read_text(encoding="utf-8")
    results = json.loads((result.report.parent / "results.json").read_text(encoding="utf-8"))
    figures = {s["id"]: s["figures"] for s in results["sections"]}
    assert figures["maturity"]["available"] is True
    assert figures["survival"] == {"available": False, "reason": "customers"}
    assert t("survival.unavailable.customers.key_message", "de") in html
    assert all(s["section"] != "survival" for s in results["summary"])
    assert "Interner Fehler" not in html and "Traceback" not in html


@pytest.mark.slow
def test_the_notebooks_thread_starts_with_papermill_and_its_warning_filters_in_place(tmp_path):
    # a fresh interpreter: nothing imported yet. The stand-in for the notebooks notes what it
    # finds and stops the run; the run's main thread computes the testing family meanwhile.
    code = f"""
import sys, types, warnings
import cxlib.runner.run as run
from cxlib.exceptions import RunError
found = {{}}
def execute(*args, **kwargs):
    from urllib3.exceptions import DependencyWarning
    found["papermill"] = "papermill" in sys.modules
    found["filter"] = any(f[2] is DependencyWarning for f in warnings.filters)
    raise RuntimeError("stopped")
run.execute = execute
kernel = types.SimpleNamespace(started_by="fork")
try:
    run._run_client({str(SMALL)!r}, {str(tmp_path)!r}, None, [kernel])
except RunError as stop:
    assert "RuntimeError: stopped" in str(stop), stop
print(found)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "{'papermill': True, 'filter': True}", done.stderr[-2000:]
