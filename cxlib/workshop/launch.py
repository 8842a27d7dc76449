"""The workshop's JupyterLab command and the per-run settings that make it a projector view.

:func:`build_lab_launch` builds the command (nothing is started): bound to
127.0.0.1 (another address only with an explicit ``--ip``, with a printed
warning), a token from :mod:`secrets` passed in the environment
(``JUPYTER_TOKEN``, so it does not show in the process list), no browser
opened by Jupyter itself, no update checks or extension-manager look-ups (no
network), and its own config, settings, workspaces and runtime folders in a
temporary run folder.

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
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cxlib.exceptions import CXError, WorkshopServerError
from cxlib.texts import t
from cxlib.workshop.report_button import BASE_URL_ENV, REPORTS_ENV, ROOT_ENV

__all__ = [
    "CUSTOM_CSS",
    "DISCONNECTED_CSS",
    "LAB_LOCALES",
    "LAB_SETTINGS",
    "LOCALHOST",
    "OFFLINE_CLASS",
    "LabLaunch",
    "build_lab_launch",
    "custom_css",
    "free_port",
    "is_loopback",
    "network_warning",
    "port_is_free",
    "write_lab_settings",
    "write_workspace",
]

LOCALHOST = "127.0.0.1"

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
    # the notebook only holds the view (the data is saved by the workshop store): no autosave,
    # which asked "File Changed … Overwrite / Revert" again and again after another server wrote it
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    # menus and dialogs in German (the language pack jupyterlab-language-pack-de-DE)
    "@jupyterlab/translation-extension/plugin": {"locale": "de_DE"},
}

#: Hides what remains of hidden cells and the prompts (loaded with ``--LabApp.custom_css``).
CUSTOM_CSS = """/* cxwb workshop: projector view, widgets only (cxlib/workshop/launch.py) */
.jp-Notebook .jp-Cell .jp-InputPlaceholder,
.jp-Notebook .jp-Cell .jp-InputPrompt,
.jp-Notebook .jp-Cell .jp-OutputPrompt,
.jp-Notebook .jp-Cell .jp-Collapser,
.jp-Notebook .jp-Cell .jp-OutputArea-promptOverlay,
.jp-Notebook .jp-Cell .jp-cell-toolbar { display: none !important; }
.jp-Notebook .jp-CodeCell.jp-mod-noOutputs:has(.jp-InputPlaceholder) { display: none !important; }
.jp-Notebook .jp-Cell:has(.jp-InputPlaceholder) .jp-Cell-inputWrapper { display: none; }
.jp-Notebook .jp-Cell { padding-top: 0; padding-bottom: 0; }
.jp-Notebook .jp-Notebook-footer { display: none !important; }
.jp-Notebook .jp-OutputArea-child:has(> [data-mime-type="application/javascript"]) {
  display: none !important; }
"""

#: When the kernel dies, ipywidgets marks every view ``jupyter-widgets-disconnected``;
#: when the server is gone, the page script (:mod:`cxlib.workshop.page`) marks the workshop
#: view ``cxws-offline`` (and makes it ``inert``, so typing is refused too). The workshop
#: then takes no input (a click would look accepted but save nothing), hides "gespeichert",
#: says what happened on top and keeps the status line readable: what it lists as
#: "nicht gespeichert" is what was lost.
DISCONNECTED_CSS = """.cxws.%(state)s,
.cxws.%(state)s * { pointer-events: none !important; }
.cxws.%(state)s .cxws-status-ok { visibility: hidden; }
.cxws.%(state)s { opacity: 1 !important; }
.cxws.%(state)s::before {
  content: "%(notice)s"; display: block; position: sticky; top: 0; z-index: 20;
  background: #b00020; color: #fff; font-size: 1.3em; font-weight: bold;
  padding: 0.6em 1em; margin-bottom: 0.5em; font-family: inherit; white-space: normal;
}
.cxws.%(state)s > :not(.cxws-header) { opacity: 0.45; }
"""

#: The class the page script gives the workshop view while the server cannot be reached.
OFFLINE_CLASS = "cxws-offline"


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def custom_css(lang: str = "de") -> str:
    """The run's ``custom.css``: projector view, and the lock with its notice when disconnected.

    A lost server wins over a lost kernel (its rule comes last): without the
    server the kernel cannot come back either.
    """
    kernel = DISCONNECTED_CSS % {
        "state": "jupyter-widgets-disconnected",
        "notice": _css_string(t("workshop_server.view.disconnected", lang)),
    }
    server = DISCONNECTED_CSS % {
        "state": OFFLINE_CLASS,
        "notice": _css_string(t("workshop_server.view.offline", lang)),
    }
    return CUSTOM_CSS + kernel + server


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


def port_is_free(ip: str, port: int) -> bool:
    """True when nothing listens on ``port`` at ``ip`` right now.

    Connections of a crashed server that linger in TIME_WAIT do not count:
    the server binds with ``SO_REUSEADDR`` (as Tornado does on POSIX), so the
    port can be used again at once after a crash.
    """
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        if os.name == "posix":  # on Windows the option would allow stealing a bound port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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


#: JupyterLab's locale for the workshop language (German: the language pack's).
LAB_LOCALES = {"de": "de_DE", "en": "en"}


def write_lab_settings(run_dir: Path, lang: str = "de") -> dict[str, Path]:
    """Write the run's JupyterLab settings, ``custom.css`` and ``python3`` kernelspec.

    Menus, dialogs and the lock notice are in the workshop's language ``lang``.

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
    settings = dict(LAB_SETTINGS)
    settings["@jupyterlab/translation-extension/plugin"] = {"locale": LAB_LOCALES[lang]}
    for plugin, values in settings.items():
        path = dirs["settings"] / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2), encoding="utf-8")
    custom = dirs["config"] / "custom"
    custom.mkdir(exist_ok=True)
    (custom / "custom.css").write_text(custom_css(lang), encoding="utf-8")
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


#: Longest socket path used (Linux allows 107 bytes; macOS 103), with room for "-<number>".
SOCKET_PATH_LIMIT = 100


def kernel_transport_arguments(folder: Path) -> list[str]:
    """JupyterLab's kernels on Unix sockets in ``folder`` (private), where the platform has them.

    Over TCP a kernel's ports are chosen by the server and bound later by the
    kernel; a port taken in between by anything else on the machine (a batch
    run, a browser) kills the kernel at start. Unix sockets in a private
    folder cannot be taken. Without Unix sockets (Windows) or when the folder's
    path is too long for a socket, the kernels keep TCP (no arguments).
    """
    import zmq

    prefix = folder / "k"
    if os.name != "posix" or not zmq.has("ipc") or len(str(prefix)) + 8 > SOCKET_PATH_LIMIT:
        return []
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return ["--KernelManager.transport=ipc", f"--KernelManager.ip={prefix}"]


def build_lab_launch(
    notebook: str | Path,
    *,
    root_dir: str | Path,
    run_dir: str | Path,
    port: int | None = None,
    ip: str = LOCALHOST,
    token: str | None = None,
    reports_dir: str | Path | None = None,
    lang: str = "de",
) -> LabLaunch:
    """The JupyterLab command for the workshop notebook (nothing is started).

    Binds to ``ip`` (127.0.0.1 unless asked otherwise); ``port`` defaults to a
    free one; a set port that is taken raises :class:`WorkshopServerError`.
    The token (default: ``secrets.token_urlsafe(32)``) goes into the
    environment as ``JUPYTER_TOKEN``, not onto the command line. ``run_dir``
    receives the run's settings (:func:`write_lab_settings`, menus in ``lang``).
    """
    root = Path(root_dir).expanduser().resolve()
    nb = Path(notebook).expanduser().resolve()
    if not nb.is_relative_to(root):
        raise CXError(f"Das Workshop-Notebook {nb} liegt nicht im Ordner {root}")
    is_loopback(ip)  # raises on a malformed address
    if port is None:
        port = free_port(LOCALHOST if ip in ("0.0.0.0", "::") else ip)
    elif not port_is_free(ip, port):
        raise WorkshopServerError(t("workshop_server.cli.port_taken", "de", port=str(port)))
    token = token or secrets.token_urlsafe(32)
    run = Path(run_dir).expanduser().resolve()
    dirs = write_lab_settings(run, lang)
    write_workspace(dirs["workspaces"], nb.relative_to(root).as_posix())
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        # the file browser starts in the notebook's folder: opening the notebook then does
        # not move it, so the address stays the notebook's (a reload brings the workshop back)
        f"--ContentsManager.preferred_dir={nb.parent.relative_to(root).as_posix()}",
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
    argv += kernel_transport_arguments(run / "kernels")
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
