"""Kernels forked from the running process: the imports a run shares with its notebooks, done once.

A kernel started as a new interpreter (``python -m ipykernel_launcher``)
imports pandas, pyarrow, scipy, the parameter schema and the analysis
packages again, although ``cxwb`` has just imported them itself: about 1 s of
CPU per kernel, on a machine with two cores most of a second of a report run
(Stadtwerke: 5.1 s of kernel CPU with new interpreters, 3.5 s forked).

On Linux a kernel is therefore forked from this process after it has
imported what it shares with the kernel (``share``, see
:data:`cxlib.runner.kernel.SHARED`). The child then becomes exactly the ``ipykernel``
that the command line would have started: the same arguments and connection
file, stdin from ``/dev/null``, stderr into the kernel's ``kernel.log``, no
other file of the parent open, the working folder and environment it was
given, a session of its own (so that it is signalled as a process group,
like jupyter_client's kernels), and it ends when this process ends
(ipykernel's parent poller). It shares the
parent's imported modules copy-on-write and nothing else: no data are loaded
before the fork, and the child never returns into the parent's code (it
leaves with :func:`os._exit`, so no exit handler of the parent runs twice).

A fork is only safe in a process without other threads (a lock held by
another thread at the moment of the fork stays locked in the child for
good), so :func:`fork_allowed` asks for exactly one Python thread; a Dask
worker, for instance, runs several and starts its kernels as new
interpreters, as on macOS (system frameworks are not fork-safe) and Windows
(no fork). ``CXWB_KERNEL_START=spawn`` turns forking off.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from typing import NoReturn

__all__ = ["ENV_VARIABLE", "ForkedProcess", "fork_allowed", "fork_kernel"]

#: ``spawn`` starts every kernel as a new interpreter; anything else (or unset): fork where allowed.
ENV_VARIABLE = "CXWB_KERNEL_START"

#: Seconds between looks at a forked kernel that is waited for.
_WAIT_STEP = 0.01


def fork_allowed() -> bool:
    """True when a kernel may be forked from this process now (see the module docstring)."""
    if os.environ.get(ENV_VARIABLE, "").strip().lower() == "spawn":
        return False
    return sys.platform.startswith("linux") and threading.active_count() == 1


class ForkedProcess:
    """What jupyter_client needs of a kernel's :class:`subprocess.Popen`, for a forked child.

    ``poll``, ``wait``, ``send_signal``, ``kill`` and ``terminate`` act on the
    child ``pid`` (this process's own child, so :func:`os.waitpid` reaps it);
    there are no pipes (``stdin``, ``stdout``, ``stderr`` are None).
    """

    stdin = None
    stdout = None
    stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code once the child has ended (negative: the killing signal), else None."""
        if self.returncode is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: it has ended
                self.returncode = 0
            else:
                if done:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child's end (at most ``timeout`` seconds, then TimeoutExpired)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0.0)
            time.sleep(_WAIT_STEP)
        return code

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the child while it lives."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """Kill the child (SIGKILL)."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """Ask the child to end (SIGTERM)."""
        self.send_signal(signal.SIGTERM)


def fork_kernel(
    cmd: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    stderr: int | None = None,
    share: Sequence[str] = (),
) -> ForkedProcess:
    """Fork the kernel that ``cmd`` (``python -m ipykernel_launcher …``) would start.

    ``env`` and ``cwd`` as for :class:`subprocess.Popen`; ``stderr``, a file
    descriptor the kernel's stderr goes to (default: this process's). The
    modules ``share`` are imported here first (once per process), so that the
    kernel has them without importing them itself.
    """
    command = list(cmd)
    if "ipykernel_launcher" not in command:
        raise ValueError(f"not an ipykernel command line: {command}")
    for module in share:
        importlib.import_module(module)
    arguments = command[command.index("ipykernel_launcher") + 1 :]
    # the default of IPKernelApp.parent_handle was read from the environment at import time
    arguments.append(f"--IPKernelApp.parent_handle={os.getpid()}")
    environment = dict(os.environ if env is None else env)
    environment["JPY_PARENT_PID"] = str(os.getpid())
    for stream in (sys.stdout, sys.stderr):  # or the child writes the same text again
        stream.flush()
    pid = os.fork()
    if pid == 0:
        _become_kernel(arguments, environment, cwd, stderr)
    return ForkedProcess(pid)


def _become_kernel(
    arguments: list[str],
    env: dict[str, str],
    cwd: str | os.PathLike[str] | None,
    stderr: int | None,
) -> NoReturn:
    """In the child: leave the parent's state behind and run ipykernel until it ends."""
    code = 1
    try:
        gc.freeze()  # the parent's objects are never collected here (no finalizer runs twice)
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        if stderr is not None:
            os.dup2(stderr, 2)
        # nothing else of the parent's stays open (its sockets, pipes, log files), as with Popen
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        if cwd is not None:
            os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        _new_standard_streams()
        _reset_signals()
        _drop_log_handlers()
        # the fork happened inside jupyter_client's event loop: the kernel runs its own
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(asyncio.new_event_loop())
        sys.argv = [sys.executable, *arguments]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=arguments)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def _new_standard_streams() -> None:
    """``sys.stdin``, ``stdout`` and ``stderr`` on the descriptors 0-2, as in a new interpreter.

    The parent's stream objects may not write to its descriptors at all (a
    test runner captures them in memory); the kernel's errors before it
    answers must reach ``kernel.log``.
    """
    streams = {
        "stdin": open(0, encoding="utf-8", closefd=False),  # noqa: SIM115
        "stdout": open(1, "w", encoding="utf-8", closefd=False, buffering=1),  # noqa: SIM115
        "stderr": open(2, "w", encoding="utf-8", closefd=False, buffering=1),  # noqa: SIM115
    }
    for name, stream in streams.items():
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _reset_signals() -> None:
    """Signal handlers as in a new interpreter: Python's own for SIGINT, the default for others."""
    for number in signal.valid_signals():
        if number in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            handler = signal.getsignal(number)
        except (ValueError, OSError):
            continue
        if number == signal.SIGINT:
            signal.signal(number, signal.default_int_handler)
        elif callable(handler):
            signal.signal(number, signal.SIG_DFL)


def _drop_log_handlers() -> None:
    """Detach the parent's log handlers (a run's ``run.log``, the console) from every logger."""
    loggers = [logging.getLogger()]
    loggers += [
        x for x in logging.Logger.manager.loggerDict.values() if isinstance(x, logging.Logger)
    ]
    for logger in loggers:
        logger.handlers.clear()
