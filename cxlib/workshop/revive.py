"""The workshop view comes back by itself after a kernel restart: nobody presses "Run All".

While ``cxwb workshop`` waits for its server, :func:`keep_view_alive` watches the
process of the kernel that runs the workshop notebook. When that process is gone
(the kernel died and JupyterLab restarted it, or someone chose "Kernel neu
starten"), it runs the notebook again in the session's new kernel and saves the
outputs (:func:`~cxlib.workshop.lab_server.execute_in_session`). The page notices
the saved notebook and reloads itself (:mod:`cxlib.workshop.page`): the workshop
is back with the saved state, as after F5.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from cxlib.exceptions import CXError
from cxlib.texts import t
from cxlib.workshop.lab_server import LabServer, execute_in_session

__all__ = ["LOOK_AGAIN", "QUIET_RETRIES", "is_running", "keep_view_alive", "workshop_kernel_pid"]

#: Seconds after a kernel restart during which a failed rerun is retried without a message.
QUIET_RETRIES = 30.0
#: Seconds between two questions for the workshop kernel's process while none is known
#: (each is a request to the kernel; a page that connects must not wait behind them).
LOOK_AGAIN = 10.0


def is_running(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError, IndexError):
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def workshop_kernel_pid(server: LabServer, notebook_path: str, timeout: float = 30.0) -> int | None:
    """The process id of the kernel of ``notebook_path``'s session, None without a session.

    Asked silently (no output, no history) through a user expression.
    """
    sessions = server.request("GET", "/api/sessions", timeout=10) or []
    found = [s for s in sessions if s.get("path") == notebook_path and s.get("kernel")]
    if not found:
        return None
    client = server.kernel_client(found[0]["kernel"]["id"], timeout)
    try:
        reply = client.execute_interactive(
            "",
            silent=True,
            store_history=False,
            user_expressions={"pid": "__import__('os').getpid()"},
            timeout=timeout,
        )
    except TimeoutError:
        return None
    finally:
        client.stop_channels()
    value = reply["content"].get("user_expressions", {}).get("pid", {})
    with contextlib.suppress(KeyError, TypeError, ValueError):
        return int(value["data"]["text/plain"])
    return None


def keep_view_alive(
    server: LabServer,
    notebook_path: str,
    echo: Callable[[str], object] = print,
    poll: float = 1.0,
) -> int:
    """Block until the server ends (its exit code); rerun the notebook after each kernel restart.

    The first kernel must already run the workshop (``cxwb workshop`` ran the
    notebook before). A failed rerun is reported on the terminal and tried
    again at the next poll.
    """
    assert server.process is not None
    pid: int | None = None
    with contextlib.suppress(CXError, OSError, ValueError):
        pid = workshop_kernel_pid(server, notebook_path)
    rerun, since, asked = False, 0.0, time.monotonic()
    while server.process.poll() is None:
        time.sleep(poll)
        if not rerun:
            if pid is None:  # no workshop kernel known yet: look again, now and then only
                if time.monotonic() - asked < LOOK_AGAIN:
                    continue
                asked = time.monotonic()
                with contextlib.suppress(CXError, OSError, ValueError):
                    pid = workshop_kernel_pid(server, notebook_path, timeout=10.0)
                continue
            if is_running(pid):
                continue
            rerun, since = True, time.monotonic()
            echo(t("workshop_server.cli.revive", "de"))
        try:
            runs = execute_in_session(server, notebook_path)
            failed = [r.error for r in runs if not r.ok]
            if failed:
                echo(t("workshop_server.cli.prerun_failed", "de", message=failed[0]))
            pid, rerun = workshop_kernel_pid(server, notebook_path), False
        except (CXError, OSError, ValueError) as exc:
            # the new kernel may still be starting: quiet retries for a while
            if server.process.poll() is None and time.monotonic() - since > QUIET_RETRIES:
                echo(t("workshop_server.cli.prerun_failed", "de", message=str(exc)))
                time.sleep(5 * poll)
    return server.process.wait()
