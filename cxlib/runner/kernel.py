"""The Jupyter kernels a run executes its notebooks in: always this very Python.

papermill looks up the kernel by name (``python3``); a kernelspec of that name
that a user once installed for another Python (``ipykernel install --user``)
would win and start an interpreter without cxlib. The runs therefore use a
kernel manager that starts ``ipykernel`` with the interpreter running cxlib,
whatever kernelspecs exist.

How the kernel is reached: over Unix domain sockets (ZeroMQ's ``ipc``
transport) in a private folder of its own, not over TCP ports. With TCP,
jupyter_client picks five free ports in this process and the kernel binds
them a moment later in another; whatever takes one of them in between (a
second test worker, a batch's other kernels, a Dask cluster, the workshop's
Jupyter server, a browser) makes the kernel die with "Address already in use".
Retrying the bind cannot help from outside: the ports are fixed in the
connection file before the kernel starts. A socket file in a folder only this
user can enter (mode 0700, made by :func:`tempfile.mkdtemp`) cannot be taken
by anyone else, so there is nothing to collide with. The folder also holds the
connection file and the kernel's stderr (``kernel.log``) and is removed when
the kernel is shut down. Windows has no ``ipc`` transport in ZeroMQ: there the
kernels use TCP, and a kernel that dies at start (a port taken after all) is
started again with new ports (see :func:`wait_until_ready`), which is the
"bind with retry" of the TCP case.

A kernel that dies before it answers is a fault of the machine, not of the
program or the client's data: :func:`wait_until_ready` starts it again (at
most :data:`START_ATTEMPTS` starts, each restart noted in ``run.log``) and
only then raises :class:`~cxlib.exceptions.KernelStartError` with a plain
message saying that the run can be repeated.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any, Literal

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from cxlib.exceptions import KernelStartError
from cxlib.runner.dealing import deal
from cxlib.runner.kernel_client import QuickBlockingKernelClient
from cxlib.runner.kernel_fork import fork_allowed, fork_kernel
from cxlib.texts import t

log = logging.getLogger("cxlib.runner.run.kernel")  # into run.log while a run logs

#: Longest socket path used: ``sun_path`` holds 108 bytes on Linux, 104 on macOS
#: (both with the closing NUL), so 100 leaves room.
SOCKET_PATH_LIMIT = 100
#: The longest name a socket gets inside its folder: ``k-`` and a port number
#: (jupyter_client counts 1, 2, 3 ... in an empty folder).
_SOCKET_NAME = "k-99999"
#: A kernel's folder: this prefix, the owning process's id, ``-`` and 8 random
#: characters (:func:`tempfile.mkdtemp`).
_FOLDER_PREFIX = "cxwb-kernel-"
#: How a kernel's stderr is kept (read into run.log when it dies at start).
KERNEL_LOG = "kernel.log"
#: How a kernel is reached: Unix domain sockets or TCP ports of 127.0.0.1.
Transport = Literal["ipc", "tcp"]

#: How often a kernel is started before a run gives up: the first start and two restarts.
START_ATTEMPTS = 3
#: Seconds a kernel may take to answer (booting and importing :data:`PRELOAD`).
START_TIMEOUT = 120.0


def _socket_root() -> str | None:
    """Where the kernels' private folders go; None where Unix sockets are not usable.

    The system's temporary folder when its socket paths stay within
    :data:`SOCKET_PATH_LIMIT` (``$TMPDIR`` on macOS is long), else ``/tmp``.
    """
    if os.name != "posix" or not zmq.has("ipc"):
        return None
    needed = len(f"/{_FOLDER_PREFIX}4194304-xxxxxxxx/{_SOCKET_NAME}")  # largest Linux pid
    for root in (tempfile.gettempdir(), "/tmp"):
        if len(root) + needed <= SOCKET_PATH_LIMIT and os.access(root, os.W_OK | os.X_OK):
            return root
    return None


def _remove_stale_folders(root: Path) -> None:
    """Remove this user's kernel folders in ``root`` whose owning process is gone.

    A process killed outright (a batch worker, a Dask worker) cannot remove
    its kernels' folders; its kernels end on their own when their parent
    dies (ipykernel watches it). POSIX only (a zero signal tests a process).
    """
    for folder in root.glob(f"{_FOLDER_PREFIX}*-*"):
        owner = folder.name.removeprefix(_FOLDER_PREFIX).split("-", 1)[0]
        if not owner.isdigit() or int(owner) == os.getpid():
            continue
        try:
            if folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(owner), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # gone meanwhile, or a living process of another user
            continue


class ThisPythonKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel is ``sys.executable -m ipykernel_launcher``.

    Each manager owns a private folder (:attr:`folder`, mode 0700) with the
    connection file, the kernel's stderr and, where the platform has them,
    the kernel's Unix domain sockets (``transport="ipc"``); elsewhere the
    kernel listens on TCP ports of ``127.0.0.1``. Pass ``transport="tcp"`` to
    use TCP anyway. The folder is removed by :func:`shutdown` (or, at the
    latest, when the manager is garbage-collected or the process ends; the
    folders of a process that was killed go when the next manager is made).
    """

    def __init__(self, transport: Transport | None = None, **kwargs: object) -> None:
        root = _socket_root()
        transport = transport or ("ipc" if root else "tcp")
        if os.name == "posix":
            _remove_stale_folders(Path(root or tempfile.gettempdir()))
        folder = Path(tempfile.mkdtemp(prefix=f"{_FOLDER_PREFIX}{os.getpid()}-", dir=root))
        settings: dict[str, object] = {
            "kernel_name": "python3",
            "connection_file": str(folder / "kernel.json"),
            "transport": transport,
            # papermill's client and cxwb's own check skip jupyter_client's 0.2-s flush
            "client_class": "cxlib.runner.kernel_client.QuickAsyncKernelClient",
            "blocking_class": QuickBlockingKernelClient,
        }
        if transport == "ipc":
            settings["ip"] = str(folder / "k")  # sockets k-1 ... k-5
        super().__init__(**(settings | kwargs))
        #: The kernel's private folder (connection file, sockets, ``kernel.log``).
        self.folder = folder
        #: ``start_kernel`` keyword arguments of the first start, reused by restarts.
        self.start_arguments: dict[str, object] = {}
        #: How the kernel was last started: ``fork`` (see :mod:`cxlib.runner.kernel_fork`),
        #: ``spawn`` (a new interpreter) or ``""`` (not yet).
        self.started_by: Literal["fork", "spawn", ""] = ""
        self._clients: list[AsyncKernelClient] = []
        self._remove_folder = weakref.finalize(self, shutil.rmtree, str(folder), True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The command line of the kernel: this interpreter, the connection file, extras."""
        return [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            self.connection_file,
            *(extra_arguments or []),
        ]

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        """Fork the kernel where :func:`~cxlib.runner.kernel_fork.fork_allowed`, else spawn it.

        A forked kernel takes the place of the process jupyter_client's local
        provisioner would have started: the provisioner keeps a
        :class:`~cxlib.runner.kernel_fork.ForkedProcess` and signals the
        child's own process group, as it does for a spawned kernel.
        """
        provisioner = self.provisioner
        if not fork_allowed() or not isinstance(provisioner, LocalProvisioner):
            self.started_by = "spawn"
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        stderr: Any = kw.get("stderr")
        process = fork_kernel(
            kernel_cmd,
            env=kw.get("env"),
            cwd=kw.get("cwd"),
            stderr=stderr.fileno() if hasattr(stderr, "fileno") else stderr,
            share=SHARED,
        )
        provisioner.process = process  # type: ignore[assignment]  # Popen's interface
        provisioner.pid = provisioner.pgid = process.pid  # the child leads its own session
        provisioner.cwd = kw.get("cwd") or str(Path.cwd())
        self.started_by = "fork"
        self._reconcile_connection_info(provisioner.connection_info)

    def client(self, **kwargs: Any) -> AsyncKernelClient:  # type: ignore[override]
        """A new client of the kernel, remembered until :meth:`stop_clients` closes it.

        papermill (nbclient) leaves the channels of a client it made for a
        kernel it was given open, a heartbeat thread each; a batch worker ran
        two more threads after every client, and a process with threads
        cannot fork its next kernels (:mod:`cxlib.runner.kernel_fork`).
        """
        made = super().client(**kwargs)
        self._clients.append(made)
        return made

    def stop_clients(self) -> None:
        """Stop the channels of every client made by :meth:`client` so far."""
        while self._clients:
            with suppress(Exception):
                self._clients.pop().stop_channels()

    def remove_folder(self) -> None:
        """Remove the private folder (the kernel must be shut down already)."""
        self._remove_folder()


#: The kernel logs start-up notices and the interrupt jupyter_client sends at
#: shutdown; neither is the user's business (cell errors come back through papermill).
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=CRITICAL",)


#: Modules the notebooks need, imported by the kernel while it boots (``exec_lines``),
#: so that a kernel started early does this work while cxwb validates and loads (a
#: forked kernel has all but ``matplotlib.pyplot`` already, see :mod:`cxlib.runner.kernel_fork`).
PRELOAD = (
    "cxlib.workbook",
    "cxlib.io.overview",
    "cxlib.maturity.view",
    "cxlib.journeys.view",
    "cxlib.kpis.view",
    "cxlib.kpis.analysis",
    "cxlib.survival.view",
    "cxlib.survival.analysis",
    "matplotlib.pyplot",
)


#: Imported in cxwb before a kernel is forked from it (:mod:`cxlib.runner.kernel_fork`):
#: ipykernel and :data:`PRELOAD` without ``matplotlib.pyplot``, whose backend the kernel
#: chooses itself.
SHARED = ("ipykernel.kernelapp", *(m for m in PRELOAD if m != "matplotlib.pyplot"))


#: Run first in every kernel: a user's error leaves the kernel as a typed record
#: (see :mod:`cxlib.runner.cell_errors`).
ERROR_HANDLER_LINE = "import cxlib.runner.cell_errors as _cxwb; _cxwb.install(); del _cxwb"


def _preload_line(modules: tuple[str, ...]) -> str:
    """One statement importing ``modules`` without leaving names in the user namespace."""
    names = list(modules)
    return f"import importlib as _cxwb; [_cxwb.import_module(m) for m in {names!r}]; del _cxwb"


def startup_line(preload: tuple[str, ...]) -> str:
    """The kernel's start-up statement: the error handler, then the ``preload`` imports."""
    if not preload:
        return ERROR_HANDLER_LINE
    return f"{ERROR_HANDLER_LINE}; {_preload_line(preload)}"


@contextmanager
def started_kernel(
    preload: tuple[str, ...] = PRELOAD,
    cwd: str | Path | None = None,
    transport: Transport | None = None,
) -> Iterator[ThisPythonKernelManager]:
    """Start a kernel now and shut it down on exit, whatever happens in between.

    The kernel boots, installs the error handler of
    :mod:`cxlib.runner.cell_errors` and imports ``preload`` in its own process while the
    caller goes on (validating parameters, loading data); hand the manager to
    :func:`cxlib.runner.execution.execute`, which waits until it answers
    (:func:`wait_until_ready`) and lets papermill connect to it. On Linux the
    kernel is forked from this process after the imports it shares with it
    (:mod:`cxlib.runner.kernel_fork`), elsewhere it is a new interpreter.
    ``transport`` as in
    :class:`ThisPythonKernelManager` (default: ``ipc`` where available).
    """
    manager = ThisPythonKernelManager(transport)
    manager.start_arguments = {
        "extra_arguments": [*KERNEL_ARGUMENTS, f"--IPKernelApp.exec_lines={startup_line(preload)}"],
        "cwd": str(cwd or Path.cwd()),
    }
    try:
        start(manager)
        yield manager
    finally:
        shutdown(manager)


#: The notebooks' import of their analysis package (``from cxlib import kpis as analysis``).
_ANALYSIS_IMPORT = re.compile(r"from cxlib import (\w+) as analysis")
#: What every kernel imports whatever notebooks it runs.
_COMMON_PRELOAD = ("cxlib.workbook", "cxlib.io.overview", "matplotlib.pyplot")


def dealt_preloads(notebooks: Sequence[Path], count: int) -> list[tuple[str, ...]]:
    """What each of ``count`` kernels should import while it boots.

    The notebooks are dealt to the kernels as
    :func:`cxlib.runner.dealing.deal` deals them; each kernel imports the common
    modules and the analysis packages of its own notebooks only, so that the
    two kernels booting side by side on two cores do half the importing each.
    Falls back to :data:`PRELOAD` when a notebook names no analysis package.
    """
    preloads = []
    groups = deal(notebooks, count)
    groups += [[] for _ in range(count - len(groups))]  # more kernels than notebooks
    for group in groups:
        packages = []
        for path in group:
            found = _ANALYSIS_IMPORT.search(path.read_text(encoding="utf-8"))
            if found is None:
                return [PRELOAD] * count
            packages.append(f"cxlib.{found.group(1)}")
        preloads.append((*_COMMON_PRELOAD, *packages) if group else PRELOAD)
    return preloads


@contextmanager
def started_kernels(
    count: int,
    preload: tuple[str, ...] = PRELOAD,
    cwd: str | Path | None = None,
    preloads: Sequence[tuple[str, ...]] | None = None,
) -> Iterator[list[ThisPythonKernelManager]]:
    """``count`` kernels started now (see :func:`started_kernel`), all shut down on exit.

    Each imports ``preload``, or its own entry of ``preloads`` when given (see
    :func:`dealt_preloads`).

    On exit all kernels are killed at once before each is shut down: the
    shutdown of a kernel still alive polls for its end in 0.1-s steps, one
    kernel after the other.
    """
    with ExitStack() as stack:
        own = list(preloads) if preloads is not None else [preload] * count
        managers = [stack.enter_context(started_kernel(own[i], cwd)) for i in range(count)]
        stack.callback(kill_at_once, managers)
        yield managers


def kill_at_once(managers: list[ThisPythonKernelManager]) -> None:
    """Kill every kernel's process group now and wait for the processes to end.

    A kernel already gone is fine; :func:`shutdown` afterwards only cleans up.
    """
    from jupyter_core.utils import run_sync

    processes = []
    for manager in managers:
        provisioner = manager.provisioner
        process = getattr(provisioner, "process", None)
        if provisioner is None or process is None or process.poll() is not None:
            continue
        with suppress(Exception):
            run_sync(provisioner.send_signal)(signal.SIGKILL)
            processes.append(process)
    for process in processes:
        with suppress(Exception):
            process.wait(timeout=5)


def notebook_kernels() -> int:
    """Kernels for one client's run on its own: 2 when this process may use two cores, else 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


def start(manager: ThisPythonKernelManager) -> None:
    """Launch the kernel process with ``manager.start_arguments``; returns at once.

    The kernel's stderr goes to ``kernel.log`` in the manager's folder (read
    into run.log when the kernel dies at start).
    """
    from jupyter_core.utils import run_sync

    with (manager.folder / KERNEL_LOG).open("ab") as stderr:  # the kernel keeps its own copy
        run_sync(manager.start_kernel)(stderr=stderr, **manager.start_arguments)


def wait_until_ready(manager: ThisPythonKernelManager, timeout: float = START_TIMEOUT) -> None:
    """Return once the kernel answers; start it again when it failed before answering.

    A kernel that dies before it answers (a socket could not be bound, the
    machine ran out of memory, it was killed), or that lives on although a
    socket could not be bound (over TCP, a taken I/O port fails the start
    while a thread already running keeps the process alive, never ready), is
    stopped and started again, up to
    :data:`START_ATTEMPTS` starts in all; each restart is logged with the
    kernel's exit code and last stderr lines (they end up in ``run.log``).
    Raises :class:`~cxlib.exceptions.KernelStartError` with a plain message
    when the last start failed too, or when a kernel is alive but has not
    answered within ``timeout`` seconds.
    """
    for attempt in range(1, START_ATTEMPTS + 1):
        outcome = _wait(manager, timeout)
        if outcome == "ready":
            if attempt > 1:
                log.warning("kernel answered after %s starts", attempt)
            return
        if outcome == "silent":
            log.error("kernel alive but silent after %.0f s%s", timeout, _stderr_tail(manager))
            raise KernelStartError(t("runner.kernel.silent", "de", seconds=f"{timeout:.0f}"))
        log.warning(
            "kernel %s before it answered (start %s of %s, exit code %s)%s",
            "died" if outcome == "died" else "could not bind its sockets",
            attempt,
            START_ATTEMPTS,
            _exit_code(manager),
            _stderr_tail(manager),
        )
        if attempt < START_ATTEMPTS:
            _start_again(manager)
    raise KernelStartError(t("runner.kernel.died", "de", attempts=str(START_ATTEMPTS)))


def _wait(manager: ThisPythonKernelManager, timeout: float) -> str:
    """How the kernel's start ends: ``ready``, ``died``, ``broken`` or ``silent`` (timed out).

    Asks for ``kernel_info`` in rounds of :data:`_POLL` seconds and looks in
    between whether the process still lives and whether its stderr reports
    a ZeroMQ error (``broken``).
    """
    deadline = time.monotonic() + timeout
    client = manager.blocking_client()
    client.start_channels()
    # a request to a kernel that never took its port queues up until ZeroMQ's send would
    # block for good (seen over TCP with the port taken): let a send give up instead
    client.shell_channel.socket.setsockopt(zmq.SNDTIMEO, int(_POLL * 1000))
    try:
        while True:
            remaining = deadline - time.monotonic()
            try:  # RuntimeError when dead or not ready within the round
                client.wait_for_ready(timeout=max(min(_POLL, remaining), 0.1))
            except (RuntimeError, zmq.Again):
                pass
            else:
                return "ready"
            if not _alive(manager):
                return "died"
            if _socket_failed(manager):
                return "broken"
            if remaining <= _POLL:
                return "silent"
    finally:
        client.stop_channels()


#: Seconds between checks while a kernel starts (one kernel_info round trip is ~1 s).
_POLL = 2.0
#: What a kernel writes to stderr when one of its sockets could not be bound.
_SOCKET_ERROR = "ZMQError"


def _socket_failed(manager: ThisPythonKernelManager) -> bool:
    """True when the kernel's stderr reports a ZeroMQ error (a socket not bound)."""
    try:
        return _SOCKET_ERROR in (manager.folder / KERNEL_LOG).read_text(errors="replace")
    except OSError:
        return False


def _alive(manager: ThisPythonKernelManager) -> bool:
    from jupyter_core.utils import run_sync

    return bool(run_sync(manager.is_alive)())


def _exit_code(manager: ThisPythonKernelManager) -> int | None:
    """The dead kernel's exit code (negative: killed by that signal); None if not known."""
    from jupyter_core.utils import run_sync

    if manager.provisioner is None:
        return None
    with suppress(Exception):
        return run_sync(manager.provisioner.poll)()
    return None


def _stderr_tail(manager: ThisPythonKernelManager, lines: int = 5) -> str:
    """The last ``lines`` lines the kernel wrote to stderr, as log text ('' when none)."""
    try:
        text = (manager.folder / KERNEL_LOG).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return "; kernel stderr:\n  " + "\n  ".join(tail) if tail else ""


def _start_again(manager: ThisPythonKernelManager) -> None:
    """Clean up after a dead kernel and start a new one with the same arguments.

    Not ``restart_kernel``: that keeps the provisioner and with it the TCP
    ports that may have been the cause. The shutdown is a restart's (it keeps
    the manager's ZeroMQ context and removes the socket files); then the
    connection file goes and the provisioner gives its ports back, so that a
    fresh one chooses new ports (TCP) and writes a new connection file.
    """
    from jupyter_core.utils import run_sync

    with suppress(Exception):
        run_sync(manager.shutdown_kernel)(now=True, restart=True)
    manager.cleanup_connection_file()
    if manager.provisioner is not None:
        with suppress(Exception):
            run_sync(manager.provisioner.cleanup)(restart=False)
    manager.provisioner = None
    (manager.folder / KERNEL_LOG).unlink(missing_ok=True)
    start(manager)
    log.warning("kernel started again")


def shutdown(manager: ThisPythonKernelManager) -> None:
    """Stop the kernel (politely, then by force) and remove its folder; a kernel gone is fine."""
    from jupyter_core.utils import run_sync

    manager.stop_clients()
    with suppress(Exception):
        if manager.has_kernel:
            run_sync(manager.shutdown_kernel)(now=True)
    manager.remove_folder()
