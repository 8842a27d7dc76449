"""A real ``cxwb workshop`` in a subprocess, on a temporary copy of a demo client (for tests)."""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from cxlib.resources import PROJECT_DIR

CLIENT = "stadtwerke-lindenau"
URL = re.compile(r"(http://\S+token=\S+)")


@dataclass
class Workshop:
    """A running ``cxwb workshop`` on a copy of the client's files."""

    root: Path
    process: subprocess.Popen[str]
    url: str
    output: list[str]

    @property
    def params(self) -> Path:
        return self.root / "parameters" / f"{CLIENT}.yaml"

    @property
    def answers(self) -> Path:
        return self.root / "data" / CLIENT / "reifegrad.csv"

    def answer_rows(self, person: str) -> dict[str, str]:
        """The saved maturity answers of ``person``: item -> score."""
        with self.answers.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter=";"))
        return {r["Aussage"]: r["Bewertung"] for r in rows if r["Teilnehmer"] == person}

    def ratings(self, journey: str) -> dict[str, dict[str, object]]:
        """The saved ratings of one journey candidate: participant -> rating."""
        data = YAML(typ="safe").load(self.params.read_text(encoding="utf-8"))
        (found,) = [j for j in data["workshop"]["journeys"] if j["id"] == journey]
        return {r["participant"]: r for r in found.get("ratings") or []}


def copy_client(root: Path) -> None:
    """The client's parameter file and data folder, at the same relative places."""
    (root / "parameters").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "parameters" / f"{CLIENT}.yaml", root / "parameters")
    shutil.copytree(PROJECT_DIR / "data" / CLIENT, root / "data" / CLIENT)


def start_workshop(root: Path, *extra: str, timeout: float = 120) -> Workshop:
    """Start ``cxwb workshop`` in ``root`` (its own process group) and wait for its address."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    command = [sys.executable, "-m", "cxlib.cli", "workshop", CLIENT, "--no-browser", *extra]
    process = subprocess.Popen(
        command,
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    output: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        found = URL.search(line)
        if found:
            return Workshop(root, process, found.group(1), output)
    stop_workshop(process)
    raise AssertionError("cxwb workshop printed no address:\n" + "".join(output))


def stop_workshop(process: subprocess.Popen[str]) -> str:
    """Ctrl+C for ``cxwb``; its whole process group if it does not end. What it printed
    after its address (for the report of a failed test)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    rest = ""
    if process.stdout and not process.stdout.closed:
        rest = process.stdout.read()
        process.stdout.close()
    return rest


def children(parent: int) -> dict[int, str]:
    """Every process below ``parent`` (Linux /proc): pid -> command line."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        table[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), command)
    found: dict[int, str] = {}
    frontier = [parent]
    while frontier:
        current = frontier.pop()
        for pid, (ppid, command) in table.items():
            if ppid == current and pid not in found:
                found[pid] = command
                frontier.append(pid)
    return found


def kernel_processes(parent: int) -> list[int]:
    """The ipykernel processes below ``parent``."""
    return [pid for pid, command in children(parent).items() if "ipykernel" in command]
