"""The pre-started kernel: boots with the notebooks' modules, always shut down."""

import pytest

from cxlib.runner.kernel import PRELOAD, started_kernel


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
