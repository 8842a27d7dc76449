"""The quicker readiness check: ready means answered and IOPub drained up to the request's end."""

from __future__ import annotations

import asyncio
import time
from queue import Empty

import pytest
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.utils import run_sync

from cxlib.runner.kernel import started_kernel
from cxlib.runner.kernel_client import (
    QuickAsyncKernelClient,
    QuickBlockingKernelClient,
    wait_for_ready,
)


def _left_on_iopub(client) -> set[str]:
    """The request types of the messages still waiting on IOPub."""
    left = set()
    while True:
        try:
            msg = client.get_iopub_msg(timeout=0.5)
        except Empty:
            return left
        left.add(msg["parent_header"].get("msg_type"))


@pytest.mark.slow
def test_the_kernels_clients_are_the_quick_ones_and_leave_nothing_on_iopub():
    with started_kernel(preload=()) as manager:
        assert isinstance(manager.client(), QuickAsyncKernelClient)  # papermill's client
        client = manager.blocking_client()
        assert isinstance(client, QuickBlockingKernelClient)
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            # read: the idle status ending the answer; left at most: late status messages of
            # repeated kernel_info requests (a busy machine), nothing the code run below needs
            assert _left_on_iopub(client) <= {"kernel_info_request"}
            reply = client.execute_interactive("1 + 1", timeout=30, output_hook=lambda _: None)
            assert reply["content"]["status"] == "ok"
        finally:
            client.stop_channels()


@pytest.mark.slow
def test_an_async_client_is_ready_the_same_way():
    with started_kernel(preload=()) as manager:
        client = manager.client()
        assert isinstance(client, AsyncKernelClient)

        async def ready_then_iopub_empty() -> bool:
            client.start_channels()
            try:
                await wait_for_ready(client, timeout=60)
                left = set()
                while True:
                    try:
                        msg = await client.get_iopub_msg(timeout=0.5)
                    except Empty:
                        return left <= {"kernel_info_request"}
                    left.add(msg["parent_header"].get("msg_type"))
            finally:
                client.stop_channels()

        assert asyncio.run(ready_then_iopub_empty())


@pytest.mark.slow
def test_a_dead_kernel_is_reported_not_waited_for():
    with started_kernel(preload=()) as manager:
        client = manager.blocking_client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            run_sync(manager._kill_kernel)()
            for _ in range(100):  # until the process is gone
                if not run_sync(manager.is_alive)():
                    break
                time.sleep(0.1)
            while True:  # what the kernel sent before it died does not count
                try:
                    client.get_shell_msg(timeout=0.2)
                except Empty:
                    break
            with pytest.raises(RuntimeError, match="died"):
                client.wait_for_ready(timeout=30)
        finally:
            client.stop_channels()
