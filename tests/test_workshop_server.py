"""`cxwb workshop`: the workshop notebook, the JupyterLab command, the report button, and one
smoke test against a real JupyterLab server on localhost."""

from __future__ import annotations

import ast
import json
import os
import shutil
import signal
import socket
import sys
import threading
from pathlib import Path

import nbformat
import pytest

import cxlib
from cxlib.cli import build_parser, main
from cxlib.exceptions import ClientNotFoundError, CXError, RunError
from cxlib.resources import PROJECT_DIR
from cxlib.runner.run import notebook_paths
from cxlib.workshop import report_button as rb
from cxlib.workshop.launch import kernel_transport_arguments, write_lab_settings
from cxlib.workshop.revive import workshop_kernel_pid
from cxlib.workshop.server import (
    LabServer,
    WorkshopServerError,
    build_lab_launch,
    execute_in_session,
    is_loopback,
    network_warning,
    template_path,
    write_workshop_notebook,
)

CLIENT = "berger-haustechnik"
PARAMS = PROJECT_DIR / "parameters" / f"{CLIENT}.yaml"


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def assigned(source: str) -> dict[str, object]:
    """The names a cell assigns, evaluated (the cells only assign literals)."""
    values: dict[str, object] = {}
    exec(compile(source, "<cell>", "exec"), {}, values)
    return values


# --- the template and the notebook writer ---------------------------------------------


def test_template_is_thin_hidden_and_without_outputs():
    nb = nbformat.read(template_path(), as_version=4)
    cells = code_cells(nb)
    assert cells, "the template needs code cells"
    for cell in cells:
        assert cell.outputs == [] and cell.execution_count is None
        assert cell.metadata["jupyter"]["source_hidden"] is True, "no code on the projector"
        tree = ast.parse(cell.source)
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        assert len(cell.source.splitlines()) <= 6
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert list(assigned(tagged[0].source)) == ["client_id", "params_file", "lang"]
    assert "workshop_app(" in cells[-1].source


def test_workshop_notebook_is_not_part_of_the_report():
    paths = notebook_paths()
    assert template_path().exists()
    assert template_path() not in paths
    assert [p.name[:3] for p in paths] == ["01-", "02-", "03-", "04-"]


def test_writer_injects_the_client_without_executing(tmp_path):
    target = write_workshop_notebook(CLIENT, tmp_path / "workshops")
    assert target == tmp_path / "workshops" / f"{CLIENT}.ipynb"
    nb = nbformat.read(target, as_version=4)
    nbformat.validate(nb)
    cells = code_cells(nb)
    tags = [c.metadata.get("tags", []) for c in cells]
    first = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert "injected-parameters" in tags[first + 1], "papermill's place: after `parameters`"
    injected = assigned(cells[first + 1].source)
    assert injected == {"client_id": CLIENT, "params_file": str(PARAMS), "lang": ""}
    assert all(c.outputs == [] and c.execution_count is None for c in cells)
    assert all(c.metadata["jupyter"]["source_hidden"] for c in cells)
    # the template itself stays untouched
    template = nbformat.read(template_path(), as_version=4)
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in template.cells)


def test_writing_again_replaces_the_injected_values(tmp_path):
    write_workshop_notebook(CLIENT, tmp_path, lang="de")
    target = write_workshop_notebook(str(PARAMS), tmp_path, lang="en")
    nb = nbformat.read(target, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert assigned(injected[0].source)["lang"] == "en"
    assert [p.name for p in tmp_path.iterdir()] == [f"{CLIENT}.ipynb"], "no temp files left"


def test_unknown_client_and_language_are_plain_errors(tmp_path):
    with pytest.raises(ClientNotFoundError):
        write_workshop_notebook("no-such-client", tmp_path)
    with pytest.raises(CXError, match="Sprache"):
        write_workshop_notebook(CLIENT, tmp_path, lang="fr")
    assert not any(tmp_path.iterdir())


def test_cli_unknown_client_ends_with_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["workshop", "no-such-client", "--no-browser"]) == 1
    err = capsys.readouterr().err
    assert "no-such-client" in err and "Traceback" not in err
    assert not (tmp_path / "workshops").exists()


# --- the JupyterLab command ---------------------------------------------------------------


@pytest.fixture
def notebook(tmp_path) -> Path:
    return write_workshop_notebook(CLIENT, tmp_path / "workshops")


def test_launch_binds_to_localhost_with_a_secret_token(notebook, tmp_path):
    launch = build_lab_launch(notebook, root_dir=tmp_path, run_dir=tmp_path / "run")
    argv = launch.argv
    assert argv[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--ServerApp.ip=127.0.0.1" in argv
    assert not any("0.0.0.0" in a or a.startswith("--ip") for a in argv)
    assert f"--ServerApp.port={launch.port}" in argv and "--ServerApp.port_retries=0" in argv
    assert "--ServerApp.open_browser=False" in argv
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in argv
    token = launch.env["JUPYTER_TOKEN"]
    assert len(token) >= 32 and token == launch.token
    assert not any(token in a for a in argv), "the token must not show in the process list"
    assert launch.url == (
        f"http://127.0.0.1:{launch.port}/lab/tree/workshops/{CLIENT}.ipynb?token={token}"
    )
    other = build_lab_launch(notebook, root_dir=tmp_path, run_dir=tmp_path / "run2")
    assert other.token != token
    assert launch.env[rb.ROOT_ENV] == str(tmp_path.resolve())
    assert launch.env[rb.REPORTS_ENV] == str(tmp_path.resolve() / "reports")
    assert network_warning("127.0.0.1") is None


def test_launch_writes_the_projector_settings(notebook, tmp_path):
    launch = build_lab_launch(notebook, root_dir=tmp_path, run_dir=tmp_path / "run")
    settings = tmp_path / "run" / "settings" / "@jupyterlab"
    shell = json.loads(
        (settings / "application-extension" / "shell.jupyterlab-settings").read_text()
    )
    assert shell == {"startMode": "single"}
    themes = json.loads(
        (settings / "apputils-extension" / "themes.jupyterlab-settings").read_text()
    )
    assert int(themes["overrides"]["content-font-size1"].removesuffix("px")) >= 16
    notes = (settings / "apputils-extension" / "notification.jupyterlab-settings").read_text()
    assert json.loads(notes) == {"checkForUpdates": False, "fetchNews": "false"}
    # no autosave: it asked "File Changed … Overwrite / Revert" again and again (issue 16)
    docs = (settings / "docmanager-extension" / "plugin.jupyterlab-settings").read_text()
    assert json.loads(docs) == {"autosave": False}
    assert f"--LabApp.user_settings_dir={tmp_path / 'run' / 'settings'}" in launch.argv
    assert "--LabApp.custom_css=True" in launch.argv
    css = (Path(launch.env["JUPYTER_CONFIG_DIR"]) / "custom" / "custom.css").read_text()
    assert ".jp-InputPlaceholder" in css and ".jp-InputPrompt" in css
    spec_dir = Path(launch.env["JUPYTER_PATH"].split(":")[0]) / "kernels" / "python3"
    assert json.loads((spec_dir / "kernel.json").read_text())["argv"][0] == sys.executable
    (workspace,) = (tmp_path / "run" / "workspaces").iterdir()
    layout = json.loads(workspace.read_text())["data"]["layout-restorer:data"]
    assert layout["main"]["current"] == f"notebook:workshops/{CLIENT}.ipynb"
    assert layout["left"]["collapsed"] and not layout["left"]["visible"]


def test_all_interfaces_only_when_asked_and_with_a_warning(notebook, tmp_path):
    assert build_parser().parse_args(["workshop", CLIENT]).ip == "127.0.0.1"
    launch = build_lab_launch(notebook, root_dir=tmp_path, run_dir=tmp_path / "r", ip="0.0.0.0")
    assert "--ServerApp.ip=0.0.0.0" in launch.argv
    warning = network_warning("0.0.0.0")
    assert warning and "0.0.0.0" in warning and "ACHTUNG" in warning
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("192.168.1.5")
    with pytest.raises(CXError, match="keine IP-Adresse"):
        build_lab_launch(notebook, root_dir=tmp_path, run_dir=tmp_path / "r", ip="my-laptop")


def test_taken_port_is_a_plain_error(notebook, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(WorkshopServerError, match=f"Port {port}"):
            build_lab_launch(notebook, root_dir=tmp_path, run_dir=tmp_path / "r", port=port)


def test_cli_checks_address_and_port_before_writing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["workshop", CLIENT, "--ip", "my-laptop", "--no-browser"]) == 1
    assert "keine IP-Adresse" in capsys.readouterr().err
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["workshop", CLIENT, "--port", str(port), "--no-browser"]) == 1
    assert f"Port {port} ist schon belegt" in capsys.readouterr().err
    assert not (tmp_path / "workshops").exists(), "a running workshop's notebook stays as it is"


def test_notebook_must_lie_under_the_server_root(notebook, tmp_path):
    with pytest.raises(CXError, match="liegt nicht im Ordner"):
        build_lab_launch(notebook, root_dir=tmp_path / "elsewhere", run_dir=tmp_path / "r")


def test_no_module_of_cxlib_imports_websocket_client():
    """Kernel messaging goes through jupyter_client, not a hand-written websocket protocol."""
    package = Path(cxlib.__file__).resolve().parent
    importers = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            if any(name.split(".")[0] == "websocket" for name in names):
                importers.append(str(path.relative_to(package)))
    assert importers == []


# --- the report button --------------------------------------------------------------------


def test_report_link_goes_through_the_server_when_it_can(tmp_path, monkeypatch):
    report = tmp_path / "reports" / "a b" / "report.html"
    monkeypatch.delenv(rb.ROOT_ENV, raising=False)
    assert rb.report_href(report) == report.resolve().as_uri()
    monkeypatch.setenv(rb.ROOT_ENV, str(tmp_path))
    monkeypatch.setenv(rb.BASE_URL_ENV, "/lab-base")
    assert rb.report_href(report) == "/lab-base/files/reports/a%20b/report.html"
    assert rb.report_href("/somewhere/else.html") == "file:///somewhere/else.html"


def test_button_shows_progress_blocks_a_second_run_then_links(tmp_path, monkeypatch):
    monkeypatch.delenv(rb.ROOT_ENV, raising=False)
    release = threading.Event()
    calls = []

    def runner(params_file, out_dir, lang):  # stands in for run_client's timing only
        calls.append((Path(params_file), Path(out_dir), lang))
        assert release.wait(10)
        report = Path(out_dir) / CLIENT / "report.html"
        report.parent.mkdir(parents=True)
        report.write_text("<html></html>")
        return type("Result", (), {"report": report})()

    button = rb.report_button(PARAMS, "en", out_dir=tmp_path, runner=runner)
    button.tick = 0.05
    button.button.click()
    assert button.running and button.button.disabled
    assert "Creating the report" in button.status.value
    assert button.start() is False, "no second run while one is under way"
    release.set()
    assert button.wait(10)
    assert calls == [(PARAMS, tmp_path.resolve(), "en")]
    assert not button.button.disabled
    assert "Report ready" in button.status.value
    assert f'href="{(tmp_path / CLIENT / "report.html").resolve().as_uri()}"' in button.status.value


def test_broken_client_shows_the_plain_message(tmp_path):
    broken = tmp_path / "kaputt.yaml"
    text = PARAMS.read_text(encoding="utf-8").replace("business_model:", "busness_model:")
    broken.write_text(text.replace("../data/", f"{PROJECT_DIR}/data/"), encoding="utf-8")
    button = rb.report_button(broken, "de", out_dir=tmp_path / "reports")
    button.button.click()
    assert button.wait(60)
    assert button.result is None
    assert button.error.startswith("Kein Bericht erzeugt: Parameterdatei")
    assert "busness_model" in button.status.value
    assert "Traceback" not in button.status.value and "href" not in button.status.value
    assert not (tmp_path / "reports" / "kaputt" / "report.html").exists()


def test_a_bug_shows_no_traceback(tmp_path):
    def runner(params_file, out_dir, lang):
        raise KeyError("intern")

    button = rb.report_button(PARAMS, "de", out_dir=tmp_path, runner=runner)
    button.button.click()
    assert button.wait(10)
    assert "interner Fehler (KeyError)" in button.status.value
    assert "Traceback" not in button.status.value and "intern'" not in button.status.value


def test_run_error_message_is_shown(tmp_path):
    def runner(params_file, out_dir, lang):
        raise RunError("Spalte „Umsatz“ fehlt", tmp_path / "run.log")

    button = rb.report_button(PARAMS, "de", out_dir=tmp_path, runner=runner)
    button.button.click()
    assert button.wait(10)
    assert "Spalte „Umsatz“ fehlt" in button.error
    assert "Details im Protokoll" in button.error


@pytest.mark.slow
def test_button_writes_the_real_report(tmp_path, monkeypatch):
    monkeypatch.setenv(rb.ROOT_ENV, str(tmp_path))
    monkeypatch.setenv(rb.BASE_URL_ENV, "/")
    button = rb.report_button(CLIENT, "de", out_dir=tmp_path / "reports")
    button.button.click()
    assert button.wait(180)
    assert button.error is None
    report = tmp_path / "reports" / CLIENT / "report.html"
    assert report.is_file() and "<html" in report.read_text(encoding="utf-8")[:500].lower()
    assert f'href="/files/reports/{CLIENT}/report.html"' in button.status.value


# --- smoke test: a real JupyterLab on localhost ------------------------------------------


@pytest.mark.slow
def test_jupyterlab_runs_the_workshop_notebook(tmp_path):
    notebook = write_workshop_notebook(CLIENT, tmp_path / "root" / "workshops")
    boom = tmp_path / "root" / "boom.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")]), boom)
    launch = build_lab_launch(notebook, root_dir=tmp_path / "root", run_dir=tmp_path / "run")
    server = LabServer(launch)
    try:
        server.start(timeout=60)
        assert server.request("GET", "/api/status")["kernels"] == 0
        runs = execute_in_session(server, launch.notebook_path, timeout=90)
        assert [r.error for r in runs] == [None] * len(runs) and len(runs) == 3
        widget = runs[-1].outputs[-1]["data"]["application/vnd.jupyter.widget-view+json"]
        assert widget["model_id"]
        saved = server.request("GET", f"/api/contents/workshops/{CLIENT}.ipynb")["content"]
        last = saved["cells"][-1]
        assert last["outputs"][-1]["data"]["application/vnd.jupyter.widget-view+json"] == widget
        assert last["metadata"]["trusted"] is True, "JupyterLab renders only trusted widgets"
        (session,) = server.request("GET", "/api/sessions")
        assert session["path"] == f"workshops/{CLIENT}.ipynb"
        if kernel_transport_arguments(tmp_path / "probe"):  # the kernel is on Unix sockets
            sockets = list((tmp_path / "run" / "kernels").glob("k-*"))
            assert sockets and all(s.is_socket() for s in sockets)
        failed = execute_in_session(server, "boom.ipynb", timeout=60, save=False)
        assert failed[0].error.startswith("ZeroDivisionError")
        # a kernel that gets no CPU for a while (a busy machine) is not taken for dead: with
        # jupyter_client's 1 s the view was not prepared ("Kernel died before replying")
        kernel = workshop_kernel_pid(server, launch.notebook_path)
        assert kernel
        os.kill(kernel, signal.SIGSTOP)
        threading.Timer(3.0, os.kill, (kernel, signal.SIGCONT)).start()
        again = execute_in_session(server, launch.notebook_path, timeout=60, save=False)
        assert [r.error for r in again] == [None] * 3
    finally:
        server.stop()
        shutil.copy(server.log_path, tmp_path / "jupyterlab.log")
    assert server.process.poll() is not None, "the server must be shut down"


def test_jupyterlab_kernels_use_private_unix_sockets_where_the_platform_has_them(tmp_path):
    import zmq

    arguments = kernel_transport_arguments(tmp_path / "kernels")
    if os.name != "posix" or not zmq.has("ipc"):
        assert arguments == []
        return
    assert arguments == [
        "--KernelManager.transport=ipc",
        f"--KernelManager.ip={tmp_path}/kernels/k",
    ]
    assert (tmp_path / "kernels").stat().st_mode & 0o777 == 0o700
    launch = build_lab_launch(
        write_workshop_notebook(CLIENT, tmp_path / "root" / "w"),
        root_dir=tmp_path / "root",
        run_dir=tmp_path / "run",
    )
    assert "--KernelManager.transport=ipc" in launch.argv
    too_long = tmp_path / ("x" * 120)
    assert kernel_transport_arguments(too_long) == []  # a socket path must stay short: TCP


def test_the_output_collapse_overlay_cannot_catch_clicks_on_the_widgets(tmp_path):
    """JupyterLab's prompt overlay lay over the radio buttons: a click collapsed the view.

    Seen in a real browser (scripts/workshop_browser_check.py): with the overlay shown,
    the element at a radio button's centre was the overlay; the run's custom.css hides it,
    like the prompts it belongs to.
    """
    dirs = write_lab_settings(tmp_path / "run")
    css = (dirs["config"] / "custom" / "custom.css").read_text(encoding="utf-8")
    hidden = css.split("{ display: none !important; }")[0]
    assert ".jp-OutputArea-promptOverlay" in hidden
    assert ".jp-OutputPrompt" in hidden


def test_reload_keeps_the_notebook_address_and_the_menus_are_german(notebook, tmp_path):
    """F5 showed the Launcher: opening the notebook moved the file browser to its folder,
    and JupyterLab wrote the folder into the address. Starting the file browser in the
    notebook's folder keeps the notebook's address (tests/test_workshop_browser.py reloads)."""
    launch = build_lab_launch(notebook, root_dir=tmp_path, run_dir=tmp_path / "run")
    folder = notebook.parent.relative_to(tmp_path).as_posix()
    assert f"--ContentsManager.preferred_dir={folder}" in launch.argv
    settings = tmp_path / "run" / "settings" / "@jupyterlab" / "translation-extension"
    locale = json.loads((settings / "plugin.jupyterlab-settings").read_text(encoding="utf-8"))
    assert locale == {"locale": "de_DE"}
    import importlib.metadata

    assert importlib.metadata.distribution("jupyterlab-language-pack-de-DE")


def test_lost_connection_locks_the_view_and_says_so(tmp_path):
    """After the kernel died, clicks still selected and the header said "gespeichert"."""
    dirs = write_lab_settings(tmp_path / "run")
    css = (dirs["config"] / "custom" / "custom.css").read_text(encoding="utf-8")
    assert ".cxws.jupyter-widgets-disconnected * { pointer-events: none !important; }" in css
    assert ".cxws.jupyter-widgets-disconnected .cxws-status-ok { visibility: hidden; }" in css
    banner = css.split('.cxws.jupyter-widgets-disconnected::before {\n  content: "')[1]
    assert banner.startswith("Verbindung zum Kernel verloren")
    text = banner.split('"; display: block')[0]
    assert '"' not in text.replace('\\"', ""), "quotes in the notice are escaped for CSS"
    # the server gone (the page script marks the view): its own notice, after the kernel's
    offline = css.split('.cxws.cxws-offline::before {\n  content: "')[1]
    assert offline.startswith("Verbindung zum Server verloren")
    assert css.index(".cxws.cxws-offline::before") > css.index("disconnected::before")
    assert ".cxws.cxws-offline .cxws-status-ok { visibility: hidden; }" in css


def test_an_english_workshop_has_english_menus_and_notices(tmp_path):
    """The menus and the lock notice follow the workshop's language (German was fixed)."""
    from cxlib.workshop.page import lab_translations, script_source

    dirs = write_lab_settings(tmp_path / "run", "en")
    settings = dirs["settings"] / "@jupyterlab" / "translation-extension"
    locale = json.loads((settings / "plugin.jupyterlab-settings").read_text(encoding="utf-8"))
    assert locale == {"locale": "en"}
    css = (dirs["config"] / "custom" / "custom.css").read_text(encoding="utf-8")
    assert "Connection to the server lost" in css and "Verbindung" not in css
    assert lab_translations("en") == {}
    assert "Zellentyp" not in script_source("en") and "Zellentyp wählen" in script_source("de")


def test_the_page_translates_only_what_the_language_pack_leaves_english():
    """Toolbar tooltips and menu items of JupyterLab 4.6 that stay English with the German
    pack (4.5): most are missing there, three are in it but not used (the debugger button)."""
    import importlib.resources

    from cxlib.workshop.page import lab_translations

    pack = importlib.resources.files("jupyterlab_language_pack_de_DE")
    catalogue = json.loads(
        (pack / "locale" / "de_DE" / "LC_MESSAGES" / "jupyterlab.json").read_text("utf-8")
    )
    own = lab_translations("de")
    assert own["Insert a cell below (B)"] == "Zelle darunter einfügen (B)"
    assert len(own) > 50
    for english, german in own.items():
        assert english != german
        # in the pack, but shown in English all the same (JupyterLab asks another domain):
        # then the page uses the pack's own words
        assert catalogue.get(english, [german])[0] == german, english


# --- the view comes back by itself after a kernel restart ----------------------------------


def test_a_finished_or_zombie_process_counts_as_gone():
    """cxwb reruns the notebook when the workshop kernel's process is gone (revive.py)."""
    import subprocess

    from cxlib.workshop.revive import is_running

    assert is_running(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = 100
    while deadline and Path(f"/proc/{child.pid}/stat").is_file():
        state = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":  # dead, not reaped: JupyterLab has not noticed yet
            break
        threading.Event().wait(0.05)
        deadline -= 1
    assert not is_running(child.pid)
    child.wait()
    assert not is_running(child.pid)


def test_the_page_script_reloads_a_lost_view_and_translates_what_the_pack_lacks():
    """The English "Kernel Restarting" notice: the German language pack has no translation
    for it (checked here, so the page's own translation can go once the pack has one)."""
    import importlib.resources
    import re

    from cxlib.workshop.page import ENGLISH_DIALOGS, script_source

    pack = importlib.resources.files("jupyterlab_language_pack_de_DE")
    catalogue = json.loads(
        (pack / "locale" / "de_DE" / "LC_MESSAGES" / "jupyterlab.json").read_text("utf-8")
    )
    # JupyterLab's own strings (@jupyterlab/notebook, sessioncontext)
    english = {
        "kernel_restarting": "Kernel Restarting",
        "kernel_died": "The kernel for %1 appears to have died. It will restart automatically.",
        "not_again": "Do not show this message again in this session.",
    }
    for text in english.values():
        assert text not in catalogue, f"the pack translates {text!r} now"
    for pattern, key in ENGLISH_DIALOGS.items():
        shown = english[key].replace("%1", "workshops/x.ipynb")
        assert re.search(pattern, shown), key
    source = script_source("de")
    assert "Kernel wird neu gestartet" in source
    assert "Der Kernel von %1 ist abgestürzt" in source
    assert "location.reload()" in source and "jupyter-widgets-disconnected" in source
    # the page's address in single-document mode, the one cxwb prints and F5 keeps
    assert "(?:lab|doc)" in source
