"""``cxwb workshop <kunde>``: JupyterLab on this machine, opened at the client's workshop view.

What the command (:func:`serve_workshop`) does, step by step:

1. :func:`~cxlib.workshop.notebook.write_workshop_notebook` copies the template
   ``notebooks/workshop.ipynb`` into ``workshops/<client_id>.ipynb`` (git-ignored)
   and sets it to the client the way papermill does, without executing it.
2. :func:`~cxlib.workshop.launch.build_lab_launch` builds the JupyterLab command:
   bound to 127.0.0.1 (another address only with an explicit ``--ip``, with a
   printed warning), a secret token passed in the environment, no browser
   opened by Jupyter itself, no network look-ups, and the projector view's
   settings in a temporary run folder.
3. :class:`~cxlib.workshop.lab_server.LabServer` starts it and waits until the
   REST API answers; :func:`~cxlib.workshop.lab_server.execute_in_session`
   creates the notebook's kernel session through the REST API, runs the cells
   in that kernel with :mod:`jupyter_client` and saves the outputs (signed as
   trusted). JupyterLab then opens the notebook, attaches to that running
   kernel and restores the live widgets from it: the workshop view is there at
   once, without anyone pressing "Run All".
4. The URL with the token is printed (and opened in the browser unless
   ``--no-browser``); Ctrl+C shuts the server down and removes the run folder.

Batch runs never depend on any of this: they run the numbered notebooks only.
The names of the step modules are re-exported here for callers of this module.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from cxlib.exceptions import CXError, WorkshopServerError
from cxlib.texts import t
from cxlib.workshop.lab_server import CellRun, LabServer, execute_in_session
from cxlib.workshop.launch import (
    LOCALHOST,
    LabLaunch,
    build_lab_launch,
    free_port,
    is_loopback,
    network_warning,
    port_is_free,
    write_lab_settings,
)
from cxlib.workshop.notebook import (
    DEFAULT_FOLDER,
    TEMPLATE_NAME,
    template_path,
    write_workshop_notebook,
)
from cxlib.workshop.revive import keep_view_alive
from cxlib.workshop.running import announce, find_running, remove_leftovers, withdraw

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
    "workshop_language",
    "write_lab_settings",
    "write_workshop_notebook",
]


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


def consultant_name(
    params_file: Path,
    given: str | None = None,
    ask: Callable[[str], str] | None = None,
) -> str | None:
    """Who writes in this workshop: ``given``, else the parameter file's consultant.

    The name goes into the history and the conflict messages (never the login
    name of the machine). When the file still holds `cxwb new`'s placeholder
    and ``ask`` is given (a terminal), the name is asked once; None when
    nobody is named (the store then writes "Workshop").
    """
    from cxlib.parameters.files import load_parameters
    from cxlib.parameters.scaffold import placeholders
    from cxlib.workshop.inputs import clean_text

    if clean_text(given):
        return clean_text(given)
    with contextlib.suppress(CXError):
        params = load_parameters(params_file)
        if "consultant" not in placeholders(params.consultant, 1):
            return clean_text(params.consultant)
    if ask is not None:
        with contextlib.suppress(EOFError, OSError):
            return clean_text(ask(t("workshop_server.cli.ask_name", "de"))) or None
    return None


def workshop_language(params_file: Path, lang: str | None = None) -> str:
    """The workshop's language: ``lang``, else the parameter file's (German if unreadable).

    JupyterLab's menus and dialogs follow it, like the view itself.
    """
    if lang:
        return lang
    from cxlib.parameters.files import load_parameters

    with contextlib.suppress(CXError):
        return str(load_parameters(params_file).language)
    return "de"


def serve_workshop(
    client: str | Path,
    *,
    writer: str | None = None,
    folder: str | Path | None = None,
    port: int | None = None,
    ip: str = LOCALHOST,
    open_browser: bool = True,
    lang: str | None = None,
    echo: Callable[[str], object] = print,
) -> int:
    """What ``cxwb workshop`` does: write the notebook, start JupyterLab, prepare, wait.

    ``writer`` names who saves (default: the parameter file's consultant, see
    :func:`consultant_name`). The working directory is the server's root; the notebook goes to
    ``folder`` (default ``workshops/``), reports to ``reports/``. Returns when
    the server ends (Ctrl+C stops it); the exit code.
    """
    cwd = Path.cwd().resolve()
    warning = network_warning(ip)  # also rejects a malformed address
    from cxlib.parameters.files import find_parameters

    params_file = find_parameters(client)
    other = find_running(params_file)
    if other is not None:  # one workshop per client: both would write the same notebook
        echo(t("workshop_server.cli.already_running", "de", pid=str(other.pid), url=other.url))
        if open_browser:
            import webbrowser

            webbrowser.open(other.url)
        return 0
    if port is not None and not port_is_free(ip, port):  # before touching a running workshop
        raise WorkshopServerError(t("workshop_server.cli.port_taken", "de", port=str(port)))
    import sys

    name = consultant_name(params_file, writer, input if sys.stdin.isatty() else None)
    removed = remove_leftovers(params_file.parent)
    if removed:
        echo(t("workshop_server.cli.leftovers", "de", files=", ".join(p.name for p in removed)))
    notebook = write_workshop_notebook(params_file, folder or cwd / DEFAULT_FOLDER, lang)
    root = cwd if notebook.is_relative_to(cwd) else notebook.parent
    echo(t("workshop_server.cli.notebook", "de", path=str(notebook)))
    _stop_on_termination()
    with run_folder() as run_dir:
        launch = build_lab_launch(
            notebook,
            root_dir=root,
            run_dir=run_dir,
            port=port,
            ip=ip,
            lang=workshop_language(params_file, lang),
        )
        if name:  # the kernel's store writes under this name (history, conflict messages)
            launch.env["CXWB_WRITER"] = name
            echo(t("workshop_server.cli.writer", "de", name=name))
        if warning:
            echo(warning)
        echo(t("workshop_server.cli.starting", "de", address=f"{ip}:{launch.port}"))
        server = LabServer(launch)
        note: Path | None = None
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
            note = announce(params_file, launch.url)
            echo(t("workshop_server.cli.url", "de", url=launch.url))
            echo(t("workshop_server.cli.stop", "de"))
            if open_browser:
                import webbrowser

                webbrowser.open(launch.url)
            return keep_view_alive(server, launch.notebook_path, echo)
        except KeyboardInterrupt:
            return 0
        finally:
            if note is not None:
                withdraw(note)
            server.stop()
            echo(t("workshop_server.cli.stopped", "de"))
