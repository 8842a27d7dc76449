"""One workshop per client, and nothing left behind: cxlib/workshop/running.py and what
`cxwb workshop` does with it (a second start for the same client, kill -9 of cxwb,
leftovers of interrupted saves)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxlib.resources import PROJECT_DIR
from cxlib.workshop.running import (
    LEFTOVER_AGE,
    announce,
    find_running,
    note_path,
    remove_leftovers,
    withdraw,
)
from tests.workshop_process import (
    CLIENT,
    children,
    copy_client,
    kernel_processes,
    start_workshop,
    stop_workshop,
)


def wait_until(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_a_note_of_a_process_that_is_gone_is_ignored(tmp_path):
    params = tmp_path / "kunde.yaml"
    params.write_text("client: {}\n", encoding="utf-8")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = announce(params, "http://127.0.0.1:9/lab/tree/x.ipynb?token=t", pid=dead.pid)
    assert path == note_path(params) and path.parent.name == ".workshop-history"
    assert path.stat().st_mode & 0o777 == 0o600, "the note holds the token: owner only"
    assert find_running(params) is None
    withdraw(path)  # not this process's note: stays
    assert path.exists()
    announce(params, "http://127.0.0.1:9/lab/tree/x.ipynb?token=t")
    withdraw(path)
    assert not path.exists()


def test_leftovers_of_interrupted_saves_are_removed_and_ignored_by_git(tmp_path):
    old = tmp_path / ".reifegrad.tmp-abc123.csv"
    fresh = tmp_path / ".kunde.tmp-def456.yaml"
    kept = tmp_path / "reifegrad.csv"
    for path in (old, fresh, kept):
        path.write_text("x", encoding="utf-8")
    past = time.time() - LEFTOVER_AGE - 5
    os.utime(old, (past, past))
    os.utime(kept, (past, past))
    assert remove_leftovers(tmp_path) == [old]
    assert fresh.exists() and kept.exists(), "a save running now and real files stay"
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "data/kunde/.reifegrad.tmp-abc123.csv"],
        cwd=PROJECT_DIR,
        check=False,
    )
    assert ignored.returncode == 0, "leftovers of interrupted saves must be git-ignored"


@pytest.mark.slow
def test_second_workshop_for_a_client_opens_the_first_and_kill_9_ends_everything(tmp_path):
    root = tmp_path / "beratung"
    copy_client(root)
    leftover = root / "parameters" / f".{CLIENT}.tmp-x1y2.yaml"
    leftover.write_text("halb geschrieben", encoding="utf-8")
    past = time.time() - LEFTOVER_AGE - 5
    os.utime(leftover, (past, past))
    first = start_workshop(root)
    try:
        assert not leftover.exists()
        assert any("Reste unterbrochener Speicherungen" in line for line in first.output)
        notebook = root / "workshops" / f"{CLIENT}.ipynb"
        written = notebook.stat().st_mtime_ns
        env = dict(os.environ, PYTHONPATH=str(PROJECT_DIR))
        second = subprocess.run(
            [sys.executable, "-m", "cxlib.cli", "workshop", CLIENT, "--no-browser"],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 0, second.stderr
        assert "läuft schon ein Workshop" in second.stdout
        assert first.url in second.stdout, "it says where the first one runs"
        assert notebook.stat().st_mtime_ns == written, "the second start wrote nothing"
        # kill -9 of cxwb: JupyterLab and its kernel end as well
        below = children(first.process.pid)
        assert any("jupyterlab" in command for command in below.values())
        assert kernel_processes(first.process.pid)
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
        assert wait_until(lambda: not any(_alive(pid) for pid in below), 30), [
            command for pid, command in below.items() if _alive(pid)
        ]
        # the port can be used again at once, and a new start is not sent to the dead one
        again = start_workshop(root, f"--port={first.url.split(':')[2].split('/')[0]}")
        stop_workshop(again.process)
    finally:
        stop_workshop(first.process)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
