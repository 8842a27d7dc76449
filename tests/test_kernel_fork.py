"""Kernels forked from the running process: when, how they live, how they end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from cxlib.runner.kernel_fork import ENV_VARIABLE, ForkedProcess
from cxlib.runner.run import run_client
from tests.demo_clients import PROJECT

LINUX = sys.platform.startswith("linux")
needs_fork = pytest.mark.skipif(not LINUX, reason="kernels are forked on Linux only")


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _fresh_process(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter: no thread another test left running (forking allowed)."""
    env = {k: v for k, v in os.environ.items() if k != ENV_VARIABLE}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=PROJECT,
    )


@needs_fork
def test_forking_is_allowed_only_alone_and_not_when_switched_off():
    done = _fresh_process(
        """
        import os, threading
        from cxlib.runner.kernel_fork import ENV_VARIABLE, fork_allowed
        alone = fork_allowed()
        os.environ[ENV_VARIABLE] = "spawn"
        off = fork_allowed()
        del os.environ[ENV_VARIABLE]
        stop = threading.Event()
        other = threading.Thread(target=stop.wait)
        other.start()
        crowded = fork_allowed()  # another thread could hold a lock the child needs
        stop.set()
        other.join()
        print(alone, off, crowded, fork_allowed())
        """
    )
    assert done.stdout.split() == ["True", "False", "False", "True"], done.stderr


@needs_fork
@pytest.mark.slow
def test_a_forked_kernel_runs_code_in_its_own_session_with_the_shared_modules(tmp_path: Path):
    done = _fresh_process(
        f"""
        import os
        from cxlib.runner.kernel import started_kernel, wait_until_ready
        from tests.test_kernel import _run
        with started_kernel(preload=(), cwd={str(tmp_path)!r}) as manager:
            wait_until_ready(manager)
            pid = manager.provisioner.pid
            print(manager.started_by, os.getsid(pid) == pid != os.getsid(0), os.getpid())
            print(_run(manager, "import os, sys\\n"
                  "print(os.getcwd(), os.getppid(), 'cxlib.kpis.analysis' in sys.modules)").strip())
            print(_run(manager, "print(6 * 7)").strip())
        print(pid)
        """
    )
    lines = done.stdout.split("\n")
    how, own_session, parent = lines[0].split()
    cwd, kernel_parent, shared = lines[1].split()
    assert (how, own_session) == ("fork", "True"), done.stderr
    assert Path(cwd) == tmp_path.resolve() and kernel_parent == parent
    assert shared == "True"  # imported before the fork, not again in the kernel
    assert lines[2].strip() == "42"
    assert _gone(int(lines[3]), 10)


@needs_fork
@pytest.mark.slow
def test_forked_kernels_are_killed_at_once_and_reaped():
    done = _fresh_process(
        """
        from cxlib.runner.kernel import kill_at_once, started_kernels, wait_until_ready
        from cxlib.runner.kernel_fork import ForkedProcess
        with started_kernels(2, preload=()) as managers:
            for manager in managers:
                wait_until_ready(manager)
            processes = [m.provisioner.process for m in managers]
            print(all(isinstance(p, ForkedProcess) for p in processes))
            kill_at_once(managers)
            print(*[p.poll() for p in processes])
        """
    )
    assert done.stdout.split() == ["True", str(-signal.SIGKILL), str(-signal.SIGKILL)], done.stderr


@needs_fork
@pytest.mark.slow
def test_a_forked_kernel_ends_when_its_parent_is_killed(tmp_path: Path):
    script = textwrap.dedent(
        """
        import os, signal
        from cxlib.runner.kernel import started_kernel, wait_until_ready
        with started_kernel(preload=()) as manager:
            wait_until_ready(manager)
            print(manager.started_by, manager.provisioner.pid, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != ENV_VARIABLE}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    how, pid = done.stdout.split()
    assert done.returncode == -signal.SIGKILL and how == "fork"
    assert _gone(int(pid), 15), "the orphaned kernel kept running"


@pytest.mark.slow
def test_a_run_leaves_no_thread_behind_so_that_the_next_client_can_fork(tmp_path: Path):
    before = set(threading.enumerate())
    run_client(PROJECT / "parameters" / "cafe-bohnenglueck.yaml", out_dir=tmp_path)
    left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert left == []  # papermill's clients kept a heartbeat thread each


def test_waiting_for_a_forked_child_is_bounded_and_reports_its_exit_code():
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    pid = os.fork()
    if pid == 0:  # the child: live a moment, then end with code 7
        time.sleep(0.5)
        os._exit(7)
    process = ForkedProcess(pid)
    assert process.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(timeout=0.05)
    assert process.wait(timeout=30) == 7
    assert process.poll() == 7
    process.kill()  # ended already: nothing to signal, no error
