"""The clients cxwb talks to its kernels with: jupyter_client's, with a quicker readiness check.

A client must know that the kernel answers and that its IOPub channel (the
kernel's output) is connected before it runs code; jupyter_client's
``wait_for_ready`` asks for ``kernel_info``, and once the reply and one
IOPub message have come it reads IOPub until nothing has come for 0.2 s
("flush"). That quiet time is sat out by every client that waits: cxwb's own
check (:func:`cxlib.runner.kernel.wait_until_ready`) and papermill's client
after it, 0.4 s of a run in which nothing happens.

:func:`wait_for_ready` here does the same check but stops reading IOPub at
the message that ends the answer to its request, the kernel's ``idle``
status with the request's id: everything the kernel published for the
request has arrived then. Everything else is jupyter_client's check: without
any IOPub message within 0.2 s of the reply (IOPub not connected yet: ZeroMQ
drops what is published before a subscriber has joined) the request is sent
again, and when the ``idle`` status is late, reading stops after 0.2 s of
silence as before; so the check is never stricter than jupyter_client's.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.client import KernelClient
from jupyter_core.utils import ensure_async, run_sync

#: Seconds without an IOPub message after which IOPub counts as not (yet) connected.
IOPUB_QUIET = 0.2
#: Seconds to wait for the shell reply to one ``kernel_info`` request before asking again.
SHELL_WAIT = 1.0


async def _drained(client: KernelClient, request: str) -> bool:
    """Read IOPub up to the ``idle`` status of ``request``; False when IOPub is silent.

    As jupyter_client: one IOPub message within :data:`IOPUB_QUIET` seconds
    proves IOPub connected (False without one). Then, instead of reading on
    until IOPub has been quiet for that long, reading stops at the ``idle``
    status of ``request`` (or, at the latest, after such a quiet spell).
    """
    first = True
    while True:
        try:
            msg = await ensure_async(client.iopub_channel.get_msg(timeout=IOPUB_QUIET))
        except Empty:
            return not first
        first = False
        if (
            msg["msg_type"] == "status"
            and msg["content"].get("execution_state") == "idle"
            and msg["parent_header"].get("msg_id") == request
        ):
            return True


async def wait_for_ready(client: KernelClient, timeout: float | None = None) -> None:
    """Return once the kernel answers ``kernel_info`` and its IOPub is connected.

    Raises RuntimeError when the kernel dies first or does not answer within
    ``timeout`` seconds (None: no limit), as jupyter_client's method does.
    """
    deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
    while True:
        client.kernel_info()
        try:
            reply = await ensure_async(client.shell_channel.get_msg(timeout=SHELL_WAIT))
        except Empty:
            pass
        else:
            request = reply["parent_header"].get("msg_id")
            if reply["msg_type"] == "kernel_info_reply" and await _drained(client, request):
                client._handle_kernel_info_reply(reply)
                return
        if not await client._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


class QuickAsyncKernelClient(AsyncKernelClient):
    """jupyter_client's async client (papermill's) with :func:`wait_for_ready`."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """See :func:`wait_for_ready`."""
        await wait_for_ready(self, timeout)


class QuickBlockingKernelClient(BlockingKernelClient):
    """jupyter_client's blocking client with :func:`wait_for_ready`."""

    def wait_for_ready(self, timeout: float | None = None) -> None:
        """See :func:`wait_for_ready`."""
        run_sync(wait_for_ready)(self, timeout)
