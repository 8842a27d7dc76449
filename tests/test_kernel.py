"""The pre-started kernel: preloaded modules, private sockets, restarts, always shut down."""

from __future__ import annotations

import logging
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.connect import port_names
from nbformat.v4 import new_code_cell, new_notebook

from cxlib.exceptions import KernelStartError
from cxlib.runner.execution import execute
from cxlib.runner.kernel import (
    KERNEL_ARGUMENTS,
    PRELOAD,
    ThisPythonKernelManager,
    shutdown,
    start,
    started_kernel,
    wait_until_ready,
)

UNIX_SOCKETS = os.name == "posix"
#: ``sun_path`` of a Unix socket address: 108 bytes on Linux, 104 on macOS, with the NUL.
SUN_PATH = 104 if sys.platform == "darwin" else 108

#: A module that kills the kernel importing it the first time (the marker file
#: does not exist yet) and does nothing afterwards: a kernel that dies at start once.
DIES_ONCE = """\
import os, pathlib
marker = pathlib.Path("died-once")
if not marker.exists():
    marker.write_text("died")
    os._exit(3)
"""

#: A module that kills every kernel importing it, counting the starts in a file.
ALWAYS_DIES = """\
import os, pathlib
with pathlib.Path("starts").open("a") as handle:
    handle.write("start\\n")
os._exit(3)
"""


def _run(manager, code: str) -> str:
    client = manager.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        out: list[str] = []
        client.execute_interactive(
            code,
            timeout=60,
            output_hook=lambda msg: out.append(msg["content"].get("text", "")),
        )
        return "".join(out)
    finally:
        client.stop_channels()


def _deaths(caplog) -> int:
    return sum("died before it answered" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_kernel_has_imported_the_notebook_modules_and_leaves_no_names():
    with started_kernel() as manager:
        text = _run(
            manager,
            "import sys\n"
            f"print(all(m in sys.modules for m in {list(PRELOAD)!r}))\n"
            "print(sorted(k for k in get_ipython().user_ns if k in ('_cxwb', 'm', 'importlib')))",
        )
    assert text.split() == ["True", "[]"]
    assert not manager.has_kernel


@pytest.mark.slow
def test_kernel_is_shut_down_when_the_run_fails_before_using_it():
    with pytest.raises(RuntimeError), started_kernel(preload=()) as manager:
        assert manager.has_kernel
        raise RuntimeError("validation failed")
    assert not manager.has_kernel
    assert not manager.folder.exists()


@pytest.mark.skipif(not UNIX_SOCKETS, reason="Unix domain sockets only")
@pytest.mark.slow
def test_kernel_listens_on_private_unix_sockets_that_are_removed_afterwards():
    with started_kernel(preload=()) as manager:
        wait_until_ready(manager)
        folder = manager.folder
        info = manager.get_connection_info()
        sockets = [Path(f"{info['ip']}-{info[name]}") for name in port_names]
        assert info["transport"] == "ipc"
        assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0  # only this user
        assert all(path.parent == folder for path in sockets)
        assert all(stat.S_ISSOCK(path.stat().st_mode) for path in sockets)
        assert all(len(os.fsencode(path)) < SUN_PATH for path in sockets)
        assert _run(manager, "print(6 * 7)").strip() == "42"
    assert not folder.exists()


@pytest.mark.skipif(not UNIX_SOCKETS, reason="Unix domain sockets only")
def test_socket_folders_avoid_a_temporary_folder_too_long_for_socket_paths(monkeypatch, tmp_path):
    long_tmp = tmp_path / ("x" * 90)
    long_tmp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(long_tmp))
    manager = ThisPythonKernelManager()
    try:
        assert manager.transport == "ipc"
        assert manager.folder.parent == Path("/tmp")
        longest = f"{manager.ip}-99999"
        assert len(os.fsencode(longest)) < SUN_PATH
    finally:
        manager.remove_folder()
    assert not manager.folder.exists()


@pytest.mark.skipif(not UNIX_SOCKETS, reason="POSIX process ids")
def test_folders_of_a_killed_process_are_removed_by_the_next_manager(monkeypatch, tmp_path):
    monkeypatch.setattr("cxlib.runner.kernel._socket_root", lambda: str(tmp_path))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    living = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        stale = tmp_path / f"cxwb-kernel-{gone.pid}-abcdefgh"
        in_use = tmp_path / f"cxwb-kernel-{living.pid}-abcdefgh"
        for folder in (stale, in_use):
            folder.mkdir()
            (folder / "kernel.json").write_text("{}")
        manager = ThisPythonKernelManager()
        manager.remove_folder()
        assert not stale.exists()
        assert (in_use / "kernel.json").exists()
    finally:
        living.kill()
        living.wait()


@pytest.mark.slow
def test_kernel_that_dies_at_start_is_started_again_and_then_answers(tmp_path, caplog):
    (tmp_path / "dies_once_k.py").write_text(DIES_ONCE)
    caplog.set_level(logging.INFO, logger="cxlib.runner.run")
    with started_kernel(preload=("dies_once_k",), cwd=tmp_path) as manager:
        wait_until_ready(manager)
        assert _run(manager, "print(6 * 7)").strip() == "42"
    assert (tmp_path / "died-once").read_text() == "died"  # the first kernel did die
    assert _deaths(caplog) == 1
    assert any("exit code 3" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_kernel_that_keeps_dying_ends_in_a_plain_message(tmp_path, caplog):
    (tmp_path / "always_dies_k.py").write_text(ALWAYS_DIES)
    caplog.set_level(logging.INFO, logger="cxlib.runner.run")
    with (
        pytest.raises(KernelStartError) as caught,
        started_kernel(preload=("always_dies_k",), cwd=tmp_path) as manager,
    ):
        wait_until_ready(manager)
    # the issue: started again "once or twice" before giving up, so three starts in all
    assert (tmp_path / "starts").read_text().splitlines() == ["start"] * 3
    assert _deaths(caplog) == 3
    message = str(caught.value)
    assert "Programmfehler" not in message
    assert "3-mal" in message and "wiederholen" in message
    assert not manager.has_kernel


@pytest.mark.slow
@pytest.mark.parametrize(
    ("port", "failure"),
    [
        ("shell_port", ("died",)),  # bound by the kernel's main thread: the kernel exits
        # the I/O socket: the start fails, yet a thread already running usually keeps the
        # kernel alive, never ready (it used to wait out the whole timeout); on a busy
        # machine it may also exit before the check sees it alive
        ("iopub_port", ("could not bind its sockets", "died")),
    ],
)
def test_tcp_kernel_whose_port_was_taken_is_started_on_other_ports(port, failure, caplog):
    """The fallback without Unix sockets: a port taken between choice and bind."""
    taken: list[socket.socket] = []

    class PortThief(ThisPythonKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            if not taken:  # ports chosen, kernel not yet started: take one
                thief = socket.socket()
                thief.bind(("127.0.0.1", getattr(self, port)))
                thief.listen()
                taken.append(thief)
            return super().format_kernel_cmd(extra_arguments)

    caplog.set_level(logging.INFO, logger="cxlib.runner.run")
    manager = PortThief(transport="tcp")
    manager.start_arguments = {"extra_arguments": list(KERNEL_ARGUMENTS), "cwd": os.getcwd()}
    try:
        start(manager)
        wait_until_ready(manager)
        stolen = taken[0].getsockname()[1]
        assert getattr(manager, port) != stolen
        assert _run(manager, "print(6 * 7)").strip() == "42"
    finally:
        shutdown(manager)
        for thief in taken:
            thief.close()
    notes = [r.getMessage() for r in caplog.records if "before it answered" in r.getMessage()]
    assert len(notes) == 1
    assert any(notes[0].startswith(f"kernel {f} before it answered (start 1 of 3") for f in failure)
    assert "Address already in use" in notes[0]


@pytest.mark.slow
def test_kernel_that_never_answers_ends_in_a_plain_message(tmp_path):
    (tmp_path / "hangs_k.py").write_text("import time\ntime.sleep(60)\n")
    with (
        pytest.raises(KernelStartError) as caught,
        started_kernel(preload=("hangs_k",), cwd=tmp_path) as manager,
    ):
        wait_until_ready(manager, timeout=3)
    message = str(caught.value)
    assert "3 s" in message and "wiederholen" in message
    assert "Programmfehler" not in message
    assert not manager.has_kernel


@pytest.mark.slow
def test_execution_restarts_a_kernel_that_died_and_notes_it_in_the_run_log(tmp_path):
    (tmp_path / "dies_once_x.py").write_text(DIES_ONCE)
    notebook = tmp_path / "01-x.ipynb"
    python3 = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(new_notebook(cells=[new_code_cell("print(6 * 7)")], metadata=python3), notebook)
    run_log = tmp_path / "run.log"
    handler = logging.FileHandler(run_log, encoding="utf-8")  # as run.py's run.log
    logger = logging.getLogger("cxlib.runner.run")
    logger.addHandler(handler)
    try:
        with started_kernel(preload=("dies_once_x",), cwd=tmp_path) as manager:
            parts = execute([notebook], {}, [manager], tmp_path)
    finally:
        logger.removeHandler(handler)
        handler.close()
    outputs = [o.get("text", "") for c in parts["01-x.ipynb"].cells for o in c.get("outputs", [])]
    assert "42\n" in outputs
    assert "kernel died before it answered (start 1 of 3, exit code 3)" in run_log.read_text()


def test_a_request_to_a_port_without_a_kernel_gives_up_instead_of_blocking() -> None:
    """The guard in kernel._wait: with SNDTIMEO, a full send queue raises zmq.Again.

    Seen once in CI: a kernel that never took its TCP port (another process held it)
    left the start-up check blocked in ZeroMQ's send for good.
    """
    import socket

    import zmq

    listener = socket.socket()  # a plain TCP listener: ZeroMQ never completes its handshake
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.SNDHWM, 2)
    sock.setsockopt(zmq.SNDTIMEO, 200)
    sock.setsockopt(zmq.LINGER, 0)
    try:
        sock.connect(f"tcp://127.0.0.1:{listener.getsockname()[1]}")
        with pytest.raises(zmq.Again):
            for _ in range(50):
                sock.send(b"kernel_info_request")
    finally:
        sock.close()
        listener.close()
