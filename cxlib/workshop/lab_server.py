"""A running workshop JupyterLab, and running the workshop notebook in its kernel.

:class:`LabServer` starts the server of a :class:`~cxlib.workshop.launch.LabLaunch`
and talks to its REST API (plain HTTP with the token: ``/api/status``,
``/api/contents``, ``/api/sessions``, ``/api/shutdown``).

:func:`execute_in_session` creates the notebook's kernel session through the
REST API, so JupyterLab attaches to that very kernel when the notebook is
opened, and runs the cells in it with :mod:`jupyter_client` (the Jupyter
messaging protocol as Jupyter's own client speaks it, over the kernel's
ZeroMQ channels; the connection file is the one the server wrote into the
run's runtime folder). The outputs are saved into the notebook (signed as
trusted), and JupyterLab restores the live widgets from the kernel (ipywidgets
8 asks the kernel for all widget states): the workshop view is there at once,
without anyone pressing "Run All".
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cxlib.exceptions import WorkshopServerError
from cxlib.texts import t
from cxlib.workshop.launch import LabLaunch

if TYPE_CHECKING:
    from jupyter_client import BlockingKernelClient

__all__ = ["HEARTBEAT_GRACE", "CellRun", "LabServer", "execute_in_session"]

#: Seconds a kernel may leave a heartbeat unanswered before it counts as dead.
HEARTBEAT_GRACE = 10.0


def end_with_parent() -> Callable[[], None] | None:
    """For :class:`subprocess.Popen`: the child gets SIGTERM when cxwb dies (Linux), else None.

    Ctrl+C and SIGTERM reach cxwb, which shuts the server down; ``kill -9``
    cannot be caught. The parent-death signal of Linux (``prctl``) then ends
    JupyterLab, which shuts its kernels down (a kernel whose server is gone
    also ends by itself: ipykernel watches its parent).
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import signal

    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def set_signal() -> None:
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # cxwb died before the signal was set
            os.kill(os.getpid(), signal.SIGTERM)

    return set_signal


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
                preexec_fn=end_with_parent(),  # kill -9 of cxwb ends the server (and its kernels)
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

    def kernel_client(self, kernel_id: str, timeout: float = 60.0) -> BlockingKernelClient:
        """A started :mod:`jupyter_client` client of the server's kernel ``kernel_id``.

        Connects through the connection file the server keeps in the run's
        runtime folder and waits (up to ``timeout`` seconds) until the kernel
        answers; a kernel counts as dead only after :data:`HEARTBEAT_GRACE`
        seconds without a heartbeat. Call ``stop_channels()`` when done.
        """
        from jupyter_client import BlockingKernelClient

        runtime = Path(self.launch.env["JUPYTER_RUNTIME_DIR"])
        connection = runtime / f"kernel-{kernel_id}.json"
        deadline = time.monotonic() + timeout
        while not connection.is_file():
            if time.monotonic() > deadline:
                raise WorkshopServerError(f"Keine Verbindungsdatei für den Kernel {kernel_id}")
            time.sleep(0.1)
        client = BlockingKernelClient()
        client.load_connection_file(str(connection))
        # a kernel on a busy machine may answer a heartbeat late: jupyter_client's default
        # (1 s) took that for a dead kernel ("Kernel died before replying to kernel_info"),
        # and the workshop view was not prepared (seen with the test suite beside it)
        client.hb_channel.time_to_dead = HEARTBEAT_GRACE
        client.start_channels()
        try:
            client.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
        except RuntimeError as exc:  # the kernel died or did not answer in time
            client.stop_channels()
            raise WorkshopServerError(f"Keine Antwort vom Kernel ({exc})") from None
        return client


@dataclass(frozen=True)
class CellRun:
    """One executed code cell: its index in the notebook, outputs, error (if any) and count."""

    index: int
    outputs: list[dict[str, Any]]
    error: str | None = None
    execution_count: int | None = None

    @property
    def ok(self) -> bool:
        """True when the cell ran without an error."""
        return self.error is None


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def _run_cell(client: BlockingKernelClient, index: int, code: str, deadline: float) -> CellRun:
    """Execute one cell's code; its outputs (nbformat) and error, the cell's count set."""
    import nbformat

    outputs: list[dict[str, Any]] = []
    found: dict[str, Any] = {"error": None, "count": None}

    def collect(msg: dict[str, Any]) -> None:
        kind = msg["msg_type"]
        if kind in ("stream", "display_data", "execute_result", "error"):
            outputs.append(dict(nbformat.v4.output_from_msg(msg)))
        if kind == "error":
            found["error"] = f"{msg['content']['ename']}: {msg['content']['evalue']}"
        if kind == "execute_input":
            found["count"] = msg["content"].get("execution_count")

    try:
        reply = client.execute_interactive(
            code,
            store_history=True,
            allow_stdin=False,
            stop_on_error=True,
            timeout=max(0.1, deadline - time.monotonic()),
            output_hook=collect,
        )
    except TimeoutError:
        raise WorkshopServerError("Keine Antwort vom Kernel (TimeoutError)") from None
    error = found["error"]
    if reply["content"].get("status") == "error":
        error = error or "Fehler beim Ausführen"
    return CellRun(index, outputs, error, found["count"])


def execute_in_session(
    server: LabServer, notebook_path: str, timeout: float = 120.0, save: bool = True
) -> list[CellRun]:
    """Execute a notebook's code cells in its own kernel session on ``server``.

    Creates (or reuses) the session of ``notebook_path`` (relative to the
    server root) through the REST API, so JupyterLab attaches to the same
    kernel when the notebook is opened; runs every code cell in that kernel
    with :mod:`jupyter_client`; with ``save`` stores the outputs in the
    notebook (cells marked trusted, so the server signs it and JupyterLab
    renders the live widgets). Stops at the first cell with an error.
    """
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
    deadline = time.monotonic() + timeout
    client = server.kernel_client(session["kernel"]["id"], timeout)
    runs: list[CellRun] = []
    try:
        for index, cell in enumerate(model["content"]["cells"]):
            if cell["cell_type"] != "code":
                continue
            run = _run_cell(client, index, _source(cell), deadline)
            cell["outputs"] = run.outputs
            cell["execution_count"] = run.execution_count
            cell.setdefault("metadata", {})["trusted"] = True
            runs.append(run)
            if not run.ok:
                break
    finally:
        client.stop_channels()
    if save:
        model["content"]["metadata"].pop("signature", None)
        server.request(
            "PUT",
            f"/api/contents/{path}",
            {"type": "notebook", "format": "json", "content": model["content"]},
        )
    return runs
