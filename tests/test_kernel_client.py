"""The quicker readiness check: ready means answered and IOPub drained up to the request's end."""

from __future__ import annotations

import asyncio
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


@pytest.mark.slow
def test_the_kernels_clients_are_the_quick_ones_and_leave_nothing_on_iopub():
    with started_kernel(preload=()) as manager:
        assert isinstance(manager.client(), QuickAsyncKernelClient)  # papermill's client
        client = manager.blocking_client()
        assert isinstance(client, QuickBlockingKernelClient)
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            # everything the kernel published for the readiness requests has been read
            with pytest.raises(Empty):
                client.get_iopub_msg(timeout=0.5)
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
                try:
                    await client.get_iopub_msg(timeout=0.5)
                except Empty:
                    return True
                return False
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
            with pytest.raises(RuntimeError, match="died"):
                client.wait_for_ready(timeout=30)
        finally:
            client.stop_channels()
