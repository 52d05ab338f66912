"""Starting a kernel for the tests, retried when the kernel dies before it answers.

jupyter_client picks the kernel's five ports by binding free ones and letting them go; the kernel
binds them again a moment later. When several kernels start at once (the test runner runs files
in parallel), another process can take a port in between and the kernel exits with "address
already in use" before it answers kernel_info. That is a race of the harness, not a fault of the
kernel: so a start that fails that way is retried on fresh ports (a note on stderr says so), and
a kernel that fails every attempt still fails the test.
"""
from __future__ import annotations

import sys

from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient
from nbclient.util import run_sync

START_ATTEMPTS = 3


class KernelStartError(RuntimeError):
    """The kernel died before answering at every one of START_ATTEMPTS starts."""

    def __init__(self, error: BaseException):
        super().__init__(f"the kernel died before answering at each of {START_ATTEMPTS} starts (last: {error})")


def note_retry(attempt: int, error: BaseException) -> None:
    print(f"kernel start failed ({error}); retrying on fresh ports ({attempt}/{START_ATTEMPTS - 1})", file=sys.stderr, flush=True)


def start_kernel(kernel_name: str, cwd: str, startup_timeout: float = 120):
    """jupyter_client's start_new_kernel (returns the manager and a ready client), retried."""
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            return start_new_kernel(kernel_name=kernel_name, cwd=cwd, startup_timeout=startup_timeout)
        except RuntimeError as error:  # "Kernel died before replying to kernel_info"
            if attempt == START_ATTEMPTS:
                raise KernelStartError(error) from error
            note_retry(attempt, error)
    raise AssertionError("unreachable")


class RetryingStartClient(NotebookClient):
    """An nbclient NotebookClient whose kernel start is retried as `start_kernel`'s."""

    async def async_start_new_kernel_client(self):
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                return await super().async_start_new_kernel_client()
            except RuntimeError as error:
                # nbclient has shut the dead kernel down and dropped its manager.
                if attempt == START_ATTEMPTS:
                    raise KernelStartError(error) from error
                note_retry(attempt, error)
                if self.km is None:
                    self.km = self.create_kernel_manager()
                await self.async_start_new_kernel()
        raise AssertionError("unreachable")

    async def _async_cleanup_kernel(self) -> None:
        # nbclient registers this at exit too; after a failed start there is no kernel left to
        # clean up (nbclient 0.7 would fail an assertion and print a traceback).
        if self.km is not None:
            await super()._async_cleanup_kernel()

    _cleanup_kernel = run_sync(_async_cleanup_kernel)
