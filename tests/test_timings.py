"""The stopwatch behind ``cxwb run --timings``."""

from __future__ import annotations

import time

import nbformat

from cxlib.runner.startup import skip_slow_imports
from cxlib.runner.timings import Stopwatch, notebook_seconds, process_age


def test_phases_are_listed_in_order_with_their_seconds_and_the_total() -> None:
    watch = Stopwatch()
    watch.add("load", 0.25)
    with watch.phase("render"):
        time.sleep(0.02)
    labels = [label for label, _ in watch.phases]
    assert labels == ["load", "render"]
    assert watch.phases[1][1] >= 0.02
    lines = watch.table(total=1.5).splitlines()
    assert lines[0].split() == ["load", "0.25", "s"]
    assert lines[-1].split() == ["total", "(wall)", "1.50", "s"]
    watch.clear()
    assert watch.phases == []
    watch.enabled = False  # as in a batch worker: nothing piles up
    watch.add("load", 0.25)
    with watch.phase("render"):
        pass
    assert watch.phases == []


def test_notebook_seconds_add_up_papermills_cell_durations() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1"), nbformat.v4.new_code_cell("2")]
    nb.cells[0].metadata["papermill"] = {"duration": 0.5}
    nb.cells[1].metadata["papermill"] = {"duration": 1.25}
    empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("text")])
    assert notebook_seconds({"01-a.ipynb": nb, "02-b.ipynb": empty}) == {
        "01-a.ipynb": 1.75,
        "02-b.ipynb": 0.0,
    }


def test_process_age_grows_with_the_time_this_process_runs() -> None:
    first = process_age()
    if first is None:  # not on Linux: nothing to measure
        return
    time.sleep(0.1)
    second = process_age()
    assert second is not None
    assert 0.0 <= first < second


def test_cxwb_starts_without_pandas_and_jsonschema_skips_its_iri_checker() -> None:
    import subprocess
    import sys

    assert skip_slow_imports.__module__ == "cxlib.runner.startup"
    code = (
        "import sys; from cxlib.cli import build_parser; "
        "from cxlib.runner.startup import skip_slow_imports; skip_slow_imports(); "
        "import cxlib.runner.kernel, jsonschema; "
        "print('pandas' in sys.modules, sys.modules.get('rfc3987_syntax', 'absent'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "None"]


def test_run_client_from_python_skips_the_iri_checker_as_the_command_line_does() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from cxlib.exceptions import CXError\n"
        "from cxlib.runner.run import run_client\n"
        "try:\n"
        "    run_client('/nirgends/kunde.yaml', parallel=1)\n"
        "except CXError:\n"
        "    pass\n"
        "import jsonschema\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["None"], done.stderr


def test_each_kernel_preloads_the_analysis_packages_of_its_own_notebooks(tmp_path) -> None:
    import importlib

    from cxlib.runner.dealing import deal
    from cxlib.runner.kernel import PRELOAD, dealt_preloads
    from cxlib.runner.run import notebook_paths

    paths = notebook_paths()
    two = dealt_preloads(paths, 2)
    common = {"cxlib.workbook", "cxlib.io.overview", "matplotlib.pyplot"}
    for group, preload in zip(deal(paths, 2), two, strict=True):
        texts = [path.read_text(encoding="utf-8") for path in group]
        imports = {f"from cxlib import {p.removeprefix('cxlib.')} as analysis" for p in preload}
        assert all(any(line in text for line in imports) for text in texts)
        assert len(set(preload) - common) == len(group)
    assert set(two[0]) & set(two[1]) == {"cxlib.workbook", "cxlib.io.overview", "matplotlib.pyplot"}
    assert {p for p in dealt_preloads(paths, 1)[0]} == set(two[0]) | set(two[1])
    for module in set(two[0]) | set(two[1]):
        importlib.import_module(module)
    odd = tmp_path / "05-other.ipynb"
    odd.write_text('{"cells": []}', encoding="utf-8")
    assert dealt_preloads([*paths, odd], 2) == [PRELOAD, PRELOAD]


def test_numpy_gets_ordinary_pages_and_one_blas_thread_unless_the_user_chose() -> None:
    import json
    import os
    import subprocess
    import sys

    code = (
        "from cxlib.runner.startup import process_defaults; process_defaults(); "
        "import json, numpy, threadpoolctl; "
        "print(json.dumps([numpy._core.multiarray._get_madvise_hugepage(), "
        "[pool['num_threads'] for pool in threadpoolctl.threadpool_info() "
        "if pool['user_api'] == 'blas']]))"
    )
    names = ("NUMPY_MADVISE_HUGEPAGE", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
    env = {k: v for k, v in os.environ.items() if k not in names}
    for chosen, huge, threads in (({}, False, 1), ({"NUMPY_MADVISE_HUGEPAGE": "1"}, True, 1)):
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=env | chosen,
        )
        got_huge, got_threads = json.loads(done.stdout)
        assert got_huge is huge, chosen
        assert got_threads and set(got_threads) == {threads}, chosen
    # a thread count the user set wins (on a machine with one core it is 1 anyway)
    if (os.cpu_count() or 1) > 1:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=env | {"OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"},
        )
        assert set(json.loads(done.stdout)[1]) == {2}


def test_cxwb_sets_the_process_defaults_before_it_reads_its_arguments(monkeypatch) -> None:
    import os

    import pytest

    from cxlib import cli
    from cxlib.runner.startup import PROCESS_DEFAULTS

    for name in PROCESS_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert {name: os.environ[name] for name in PROCESS_DEFAULTS} == PROCESS_DEFAULTS


def test_the_console_script_freezes_the_collector_after_the_command(monkeypatch) -> None:
    import gc
    from importlib.metadata import entry_points

    import pytest

    from cxlib import cli

    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["cxwb"] == "cxlib.cli:entry"
    seen: list[int] = []
    monkeypatch.setattr(cli, "main", lambda: seen.append(gc.get_freeze_count()) or 3)
    assert gc.get_freeze_count() == 0
    try:
        with pytest.raises(SystemExit) as stop:
            cli.entry()
        assert stop.value.code == 3
        assert seen == [0]  # the command ran with the collector as usual
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_after_quick_finish_exit_handlers_run_and_output_arrives(tmp_path) -> None:
    import subprocess
    import sys

    log = tmp_path / "run.log"
    code = (
        "import atexit, logging\n"
        "from cxlib.runner.startup import quick_finish\n"
        f"logging.basicConfig(filename={str(log)!r}, level=logging.INFO)\n"
        "atexit.register(print, 'exit handler ran')\n"
        "logging.getLogger('cxwb').info('last line of the log')\n"
        "print('report written', end='')\n"
        "quick_finish()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "report written" + "exit handler ran\n"
    assert log.read_text(encoding="utf-8").endswith("last line of the log\n")
    help_text = subprocess.run(
        [sys.executable, "-m", "cxlib.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert help_text.stdout.startswith("usage:")
