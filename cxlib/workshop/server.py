"""``cxwb workshop <kunde>``: JupyterLab on this machine, opened at the client's workshop view.

What the command does, step by step:

1. :func:`write_workshop_notebook` copies the template ``notebooks/workshop.ipynb``
   into ``workshops/<client_id>.ipynb`` (git-ignored) and sets it to the client
   the way papermill does (an ``injected-parameters`` cell after the cell tagged
   ``parameters``), without executing it. The template is not one of the
   numbered analysis notebooks (:func:`cxlib.runner.run.notebook_paths`), so it never
   becomes part of the report.
2. :func:`build_lab_launch` builds the JupyterLab command: bound to 127.0.0.1
   (another address only with an explicit ``--ip``, with a printed warning), a
   token from :mod:`secrets` passed in the environment (``JUPYTER_TOKEN``, so
   it does not show in the process list), no browser opened by Jupyter itself,
   no update checks or extension-manager look-ups (no network), and its own
   config, settings, workspaces and runtime folders in a temporary run folder.
3. :class:`LabServer` starts it and waits until the REST API answers;
   :func:`execute_in_session` creates the notebook's kernel session through the
   REST API and executes the cells through the kernel websocket, then saves the
   outputs (signed as trusted). JupyterLab then opens the notebook, attaches to
   that running kernel and restores the live widgets from it (ipywidgets 8 asks
   the kernel for all widget states): the workshop view is there at once,
   without anyone pressing "Run All".
4. The URL with the token is printed (and opened in the browser unless
   ``--no-browser``); Ctrl+C shuts the server down and removes the run folder.

Projector-clean view, no code visible. What JupyterLab 4 supports without any
extension, and what this module therefore uses:

* the cells' source is hidden with the standard cell metadata
  ``jupyter.source_hidden`` (papermill's ``report_mode`` does the same), so only
  the workshop widget of the one ``workshop_app(...)`` cell is visible;
* the settings of the run (``--LabApp.user_settings_dir``, written per run, the
  consultant's own settings stay untouched) start JupyterLab in the Simple
  Interface (``startMode: single``, one document, no tab bar), with larger
  interface and content fonts, no status bar and no news or update checks;
* the run's default workspace (``--LabApp.workspaces_dir``) opens only the
  workshop notebook, with both side bars hidden;
* ``--LabApp.custom_css`` with a ``custom.css`` of the run hides what remains of
  hidden cells (the "…" placeholders, prompts, collapsers, cells without output)
  and the cell toolbar, so the projector shows only widgets (menu and notebook
  toolbar stay, for "Kernel neu starten" and "Alle ausführen").
  Nothing of this applies outside the workshop server.

Batch runs never depend on any of this: they run the numbered notebooks only.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cxlib.exceptions import CXError, WorkshopServerError
from cxlib.resources import notebooks_dir
from cxlib.texts import t
from cxlib.workshop.report_button import BASE_URL_ENV, REPORTS_ENV, ROOT_ENV

__all__ = [
    "LOCALHOST",
    "TEMPLATE_NAME",
    "CellRun",
    "LabLaunch",
    "LabServer",
    "WorkshopServerError",
    "build_lab_launch",
    "execute_in_session",
    "free_port",
    "is_loopback",
    "network_warning",
    "serve_workshop",
    "template_path",
    "write_lab_settings",
    "write_workshop_notebook",
]

LOCALHOST = "127.0.0.1"
TEMPLATE_NAME = "workshop.ipynb"
DEFAULT_FOLDER = "workshops"

#: Per-run JupyterLab settings: Simple Interface, large fonts, quiet (no network).
LAB_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/application-extension/shell": {"startMode": "single"},
    "@jupyterlab/apputils-extension/themes": {
        "theme": "JupyterLab Light",
        "overrides": {
            "ui-font-size1": "16px",
            "content-font-size1": "18px",
            "code-font-size": "16px",
        },
    },
    "@jupyterlab/apputils-extension/notification": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
    "@jupyterlab/statusbar-extension/plugin": {"visible": False},
    "@jupyterlab/notebook-extension/tracker": {"showHiddenCellsButton": False},
    "@jupyterlab/cell-toolbar-extension/plugin": {"showToolbar": False},
}

#: Hides what remains of hidden cells and the prompts (loaded with ``--LabApp.custom_css``).
CUSTOM_CSS = """/* cxwb workshop: projector view, widgets only (cxlib/workshop/server.py) */
.jp-Notebook .jp-Cell .jp-InputPlaceholder,
.jp-Notebook .jp-Cell .jp-InputPrompt,
.jp-Notebook .jp-Cell .jp-OutputPrompt,
.jp-Notebook .jp-Cell .jp-Collapser,
.jp-Notebook .jp-Cell .jp-cell-toolbar { display: none !important; }
.jp-Notebook .jp-CodeCell.jp-mod-noOutputs:has(.jp-InputPlaceholder) { display: none !important; }
.jp-Notebook .jp-Cell:has(.jp-InputPlaceholder) .jp-Cell-inputWrapper { display: none; }
.jp-Notebook .jp-Cell { padding-top: 0; padding-bottom: 0; }
.jp-Notebook .jp-Notebook-footer { display: none !important; }
"""


def template_path() -> Path:
    """The workshop notebook template (``notebooks/workshop.ipynb``)."""
    return notebooks_dir() / TEMPLATE_NAME


def write_workshop_notebook(
    client: str | Path,
    folder: str | Path = DEFAULT_FOLDER,
    lang: str | None = None,
    template: str | Path | None = None,
) -> Path:
    """Write ``<folder>/<client_id>.ipynb``: the template set to ``client``, not executed.

    ``client`` is a client id or a parameter file (raises
    :class:`~cxlib.exceptions.ClientNotFoundError` if there is none). The
    values go into an ``injected-parameters`` cell after the ``parameters``
    cell, as papermill does; all cells keep their source hidden and have no
    outputs. An earlier workshop notebook of the client is replaced (it holds
    no data: everything typed is saved in the client's files).
    """
    import nbformat
    from papermill.parameterize import parameterize_notebook

    from cxlib.parameters.schema import find_parameters

    params_file = find_parameters(client)
    client_id = params_file.stem
    if lang not in (None, "", "de", "en"):
        raise CXError(f"Unbekannte Sprache „{lang}“ (de oder en)")
    source = Path(template) if template else template_path()
    nb = nbformat.read(source, as_version=4)
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(
        nb,
        {"client_id": client_id, "params_file": str(params_file), "lang": lang or ""},
        report_mode=True,  # the injected cell's source is hidden like the others
        comment="Parameter von cxwb workshop",
    )
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    out_dir = Path(folder).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{client_id}.ipynb"
    tmp = target.with_name(f".{target.name}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, target)
    return target


def is_loopback(ip: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        raise CXError(t("workshop_server.cli.bad_ip", "de", ip=ip)) from None


def network_warning(ip: str) -> str | None:
    """The warning printed when the server is reachable from other machines, else None."""
    return None if is_loopback(ip) else t("workshop_server.cli.network_warning", "de", ip=ip)


def free_port(ip: str = LOCALHOST) -> int:
    """A TCP port that is free on ``ip`` right now."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return int(sock.getsockname()[1])


def _port_is_free(ip: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((ip, port))
        except OSError:
            return False
    return True


def write_workspace(workspaces_dir: Path, notebook_path: str) -> Path:
    """The run's default JupyterLab workspace: only the notebook, both side bars hidden."""
    from jupyterlab_server.workspaces_handler import WORKSPACE_EXTENSION, slugify

    key = f"notebook:{notebook_path}"
    hidden = {"collapsed": True, "visible": False, "widgets": []}
    workspace = {
        "data": {
            "layout-restorer:data": {
                "main": {
                    "dock": {"type": "tab-area", "currentIndex": 0, "widgets": [key]},
                    "current": key,
                },
                "down": {"size": 0, "collapsed": True, "widgets": []},
                "left": hidden,
                "right": hidden,
                "relativeSizes": [0, 1, 0],
                "top": {"simpleVisibility": True},
            },
            key: {"data": {"path": notebook_path, "factory": "Notebook"}},
        },
        "metadata": {"id": "default"},
    }
    path = workspaces_dir / f"{slugify('default')}{WORKSPACE_EXTENSION}"
    path.write_text(json.dumps(workspace, indent=2), encoding="utf-8")
    return path


def write_lab_settings(run_dir: Path) -> dict[str, Path]:
    """Write the run's JupyterLab settings, ``custom.css`` and ``python3`` kernelspec.

    Returns the folders by role: ``config`` (``JUPYTER_CONFIG_DIR``, holds
    ``custom/custom.css``), ``data`` (``JUPYTER_DATA_DIR`` and first in
    ``JUPYTER_PATH``: a kernelspec that starts this very Python, whatever
    kernelspecs the user installed; the notebook trust database),
    ``runtime``, ``settings`` and ``workspaces``.
    """
    dirs = {
        name: run_dir / name for name in ("config", "data", "runtime", "settings", "workspaces")
    }
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    for plugin, values in LAB_SETTINGS.items():
        path = dirs["settings"] / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2), encoding="utf-8")
    custom = dirs["config"] / "custom"
    custom.mkdir(exist_ok=True)
    (custom / "custom.css").write_text(CUSTOM_CSS, encoding="utf-8")
    kernel = dirs["data"] / "kernels" / "python3"
    kernel.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (cxwb)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    (kernel / "kernel.json").write_text(json.dumps(spec, indent=2), encoding="utf-8")
    return dirs


@dataclass(frozen=True)
class LabLaunch:
    """Everything needed to start the workshop's JupyterLab: command, environment, URLs."""

    argv: list[str]
    env: dict[str, str] = field(repr=False)
    ip: str
    port: int
    token: str = field(repr=False)
    root_dir: Path
    notebook: Path
    run_dir: Path

    @property
    def host(self) -> str:
        """The host part of URLs (``[::1]`` style for IPv6; 0.0.0.0 shown as 127.0.0.1)."""
        if self.ip in ("0.0.0.0", "::", ""):
            return LOCALHOST
        return f"[{self.ip}]" if ":" in self.ip else self.ip

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the server."""
        return f"http://{self.host}:{self.port}"

    @property
    def notebook_path(self) -> str:
        """The notebook's path relative to the server root, with ``/``."""
        return self.notebook.relative_to(self.root_dir).as_posix()

    @property
    def url(self) -> str:
        """The URL that opens the workshop notebook, token included."""
        return f"{self.base_url}/lab/tree/{quote(self.notebook_path)}?token={self.token}"


def build_lab_launch(
    notebook: str | Path,
    *,
    root_dir: str | Path,
    run_dir: str | Path,
    port: int | None = None,
    ip: str = LOCALHOST,
    token: str | None = None,
    reports_dir: str | Path | None = None,
) -> LabLaunch:
    """The JupyterLab command for the workshop notebook (nothing is started).

    Binds to ``ip`` (127.0.0.1 unless asked otherwise); ``port`` defaults to a
    free one; a set port that is taken raises :class:`WorkshopServerError`.
    The token (default: ``secrets.token_urlsafe(32)``) goes into the
    environment as ``JUPYTER_TOKEN``, not onto the command line. ``run_dir``
    receives the run's settings (:func:`write_lab_settings`).
    """
    root = Path(root_dir).expanduser().resolve()
    nb = Path(notebook).expanduser().resolve()
    if not nb.is_relative_to(root):
        raise CXError(f"Das Workshop-Notebook {nb} liegt nicht im Ordner {root}")
    is_loopback(ip)  # raises on a malformed address
    if port is None:
        port = free_port(LOCALHOST if ip in ("0.0.0.0", "::") else ip)
    elif not _port_is_free(ip, port):
        raise WorkshopServerError(t("workshop_server.cli.port_taken", "de", port=str(port)))
    token = token or secrets.token_urlsafe(32)
    run = Path(run_dir).expanduser().resolve()
    dirs = write_lab_settings(run)
    write_workspace(dirs["workspaces"], nb.relative_to(root).as_posix())
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        f"--LabApp.user_settings_dir={dirs['settings']}",
        f"--LabApp.workspaces_dir={dirs['workspaces']}",
        "--LabApp.custom_css=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--ServerApp.allow_root=True")  # containers often run as root
    env = dict(os.environ)
    data_path = [str(dirs["data"]), *filter(None, env.get("JUPYTER_PATH", "").split(os.pathsep))]
    env.update(
        {
            "JUPYTER_TOKEN": token,
            "JUPYTER_CONFIG_DIR": str(dirs["config"]),
            "JUPYTER_DATA_DIR": str(dirs["data"]),  # trust signatures stay in the run
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "JUPYTER_PATH": os.pathsep.join(data_path),
            # read by the kernel (cxlib.workshop.report_button): where reports go and how to link
            ROOT_ENV: str(root),
            BASE_URL_ENV: "/",
            REPORTS_ENV: str(
                Path(reports_dir).expanduser().resolve() if reports_dir else root / "reports"
            ),
        }
    )
    env.pop("JUPYTER_CONFIG_PATH", None)  # no extra config folders from the environment
    return LabLaunch(argv, env, ip, port, token, root, nb, run)


class LabServer:
    """A running JupyterLab (subprocess) for a :class:`LabLaunch`; a context manager.

    :meth:`start` waits until ``/api/status`` answers; :meth:`stop` asks the
    server to shut down (REST), then terminates and at last kills it. Its
    output goes to ``<run_dir>/jupyterlab.log``.
    """

    def __init__(self, launch: LabLaunch) -> None:
        self.launch = launch
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = launch.run_dir / "jupyterlab.log"

    def __enter__(self) -> LabServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the server's output."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until its REST API answers."""
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.launch.argv,
                env=self.launch.env,
                cwd=self.launch.root_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl+C reaches cxwb, which shuts the server down
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise WorkshopServerError(
                    t("workshop_server.cli.start_failed", "de", code=str(code), log=self.log_tail())
                )
            with contextlib.suppress(OSError, ValueError):
                self.request("GET", "/api/status", timeout=2)
                return
            time.sleep(0.2)
        self.stop()
        raise WorkshopServerError(
            t(
                "workshop_server.cli.start_timeout",
                "de",
                seconds=f"{timeout:.0f}",
                log=self.log_tail(),
            )
        )

    def request(self, method: str, path: str, body: Any = None, timeout: float = 30.0) -> Any:
        """One REST call with the token; the decoded JSON answer (None if empty)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.launch.base_url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"token {self.launch.token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(req, timeout=timeout) as response:
            text = response.read()
        return json.loads(text) if text else None

    def wait(self) -> int:
        """Block until the server process ends; its exit code."""
        assert self.process is not None
        return self.process.wait()

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the server down (kernels included); always ends the process."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(OSError, ValueError):
            self.request("POST", "/api/shutdown", timeout=5)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@dataclass(frozen=True)
class CellRun:
    """One executed code cell: its index in the notebook, outputs and error (if any)."""

    index: int
    outputs: list[dict[str, Any]]
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the cell ran without an error."""
        return self.error is None


def _message(msg_type: str, content: dict[str, Any], session: str) -> dict[str, Any]:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "username": "cxwb",
            "session": session,
            "msg_type": msg_type,
            "version": "5.3",
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": "shell",
        "buffers": [],
    }


def _replies(ws: Any, msg_id: str, deadline: float) -> Iterator[dict[str, Any]]:
    """Messages answering ``msg_id`` until the kernel is idle again and the reply came."""
    idle = replied = False
    while not (idle and replied):
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            frame = ws.recv()
        except Exception as exc:  # websocket timeout or closed connection
            raise WorkshopServerError(f"Keine Antwort vom Kernel ({type(exc).__name__})") from None
        if not isinstance(frame, str):
            continue  # binary frames carry widget buffers, not needed here
        msg = json.loads(frame)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["channel"] == "shell":
            replied = True
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            idle = True
        yield msg


def execute_in_session(
    server: LabServer, notebook_path: str, timeout: float = 120.0, save: bool = True
) -> list[CellRun]:
    """Execute a notebook's code cells in its own kernel session on ``server``.

    Creates (or reuses) the session of ``notebook_path`` (relative to the
    server root) through the REST API, so JupyterLab attaches to the same
    kernel when the notebook is opened; runs every code cell through the kernel
    websocket; with ``save`` stores the outputs in the notebook (cells marked
    trusted, so the server signs it and JupyterLab renders the live widgets).
    Stops at the first cell with an error.
    """
    import nbformat
    import websocket

    path = quote(notebook_path)
    model = server.request("GET", f"/api/contents/{path}?content=1&type=notebook")
    session = server.request(
        "POST",
        "/api/sessions",
        {
            "path": notebook_path,
            "name": Path(notebook_path).name,
            "type": "notebook",
            "kernel": {"name": "python3"},
        },
    )
    kernel_id = session["kernel"]["id"]
    session_id = uuid.uuid4().hex
    launch = server.launch
    ws = websocket.create_connection(
        f"ws://{launch.host}:{launch.port}/api/kernels/{kernel_id}/channels?session_id={session_id}",
        header=[f"Authorization: token {launch.token}"],
        timeout=timeout,
        suppress_origin=True,
    )
    deadline = time.monotonic() + timeout
    runs: list[CellRun] = []
    try:
        info = _message("kernel_info_request", {}, session_id)
        ws.send(json.dumps(info))
        for _ in _replies(ws, info["header"]["msg_id"], deadline):
            pass
        for index, cell in enumerate(model["content"]["cells"]):
            if cell["cell_type"] != "code":
                continue
            request = _message(
                "execute_request",
                {
                    "code": "".join(cell["source"])
                    if isinstance(cell["source"], list)
                    else cell["source"],
                    "silent": False,
                    "store_history": True,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
                session_id,
            )
            ws.send(json.dumps(request))
            outputs: list[dict[str, Any]] = []
            error = None
            count = None
            for msg in _replies(ws, request["header"]["msg_id"], deadline):
                kind = msg["msg_type"]
                if kind in ("stream", "display_data", "execute_result", "error"):
                    outputs.append(dict(nbformat.v4.output_from_msg(msg)))
                if kind == "error":
                    error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
                if kind == "execute_input":
                    count = msg["content"].get("execution_count")
                if kind == "execute_reply" and msg["content"].get("status") == "error":
                    error = error or "Fehler beim Ausführen"
            cell["outputs"] = outputs
            cell["execution_count"] = count
            cell.setdefault("metadata", {})["trusted"] = True
            runs.append(CellRun(index, outputs, error))
            if error:
                break
    finally:
        ws.close()
    if save:
        model["content"]["metadata"].pop("signature", None)
        server.request(
            "PUT",
            f"/api/contents/{path}",
            {"type": "notebook", "format": "json", "content": model["content"]},
        )
    return runs


@contextlib.contextmanager
def run_folder(prefix: str = "cxwb-workshop-") -> Iterator[Path]:
    """A temporary folder for one server run, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_termination() -> None:
    """Let SIGTERM and SIGHUP (terminal closed) shut the server down like Ctrl+C does."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)


def serve_workshop(
    client: str | Path,
    *,
    folder: str | Path | None = None,
    port: int | None = None,
    ip: str = LOCALHOST,
    open_browser: bool = True,
    lang: str | None = None,
    echo: Any = print,
) -> int:
    """What ``cxwb workshop`` does: write the notebook, start JupyterLab, prepare, wait.

    The working directory is the server's root; the notebook goes to
    ``folder`` (default ``workshops/``), reports to ``reports/``. Returns when
    the server ends (Ctrl+C stops it); the exit code.
    """
    cwd = Path.cwd().resolve()
    warning = network_warning(ip)  # also rejects a malformed address
    if port is not None and not _port_is_free(ip, port):  # before touching a running workshop
        raise WorkshopServerError(t("workshop_server.cli.port_taken", "de", port=str(port)))
    notebook = write_workshop_notebook(client, folder or cwd / DEFAULT_FOLDER, lang)
    root = cwd if notebook.is_relative_to(cwd) else notebook.parent
    echo(t("workshop_server.cli.notebook", "de", path=str(notebook)))
    _stop_on_termination()
    with run_folder() as run_dir:
        launch = build_lab_launch(notebook, root_dir=root, run_dir=run_dir, port=port, ip=ip)
        if warning:
            echo(warning)
        echo(t("workshop_server.cli.starting", "de", address=f"{ip}:{launch.port}"))
        server = LabServer(launch)
        try:
            server.start()
            echo(t("workshop_server.cli.prerun", "de"))
            try:
                runs = execute_in_session(server, launch.notebook_path)
                failed = [r.error for r in runs if not r.ok]
                if failed:
                    echo(t("workshop_server.cli.prerun_failed", "de", message=failed[0]))
            except (CXError, OSError, ValueError) as exc:
                echo(t("workshop_server.cli.prerun_failed", "de", message=str(exc)))
            echo(t("workshop_server.cli.url", "de", url=launch.url))
            echo(t("workshop_server.cli.stop", "de"))
            if open_browser:
                import webbrowser

                webbrowser.open(launch.url)
            return server.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            server.stop()
            echo(t("workshop_server.cli.stopped", "de"))
