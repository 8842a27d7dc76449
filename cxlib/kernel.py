"""The Jupyter kernel a run executes its notebooks in: always this very Python.

papermill looks up the kernel by name (``python3``); a kernelspec of that name
that a user once installed for another Python (``ipykernel install --user``)
would win and start an interpreter without cxlib. The runs therefore use a
kernel manager that starts ``ipykernel`` with the interpreter running cxlib,
whatever kernelspecs exist.
"""

from __future__ import annotations

import sys
from typing import Any

from jupyter_client.manager import AsyncKernelManager


class ThisPythonKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel is ``sys.executable -m ipykernel_launcher``."""

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


def kernel_options() -> dict[str, Any]:
    """Keyword arguments for ``papermill.execute_notebook`` that pin the kernel."""
    return {
        "kernel_manager_class": "cxlib.kernel.ThisPythonKernelManager",
        # the kernel logs start-up notices and the interrupt jupyter_client sends
        # at shutdown; neither is the user's business (cell errors come back
        # through papermill)
        "extra_arguments": ["--IPKernelApp.log_level=CRITICAL"],
    }
