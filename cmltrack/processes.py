"""Worker processes that die with their parent and inherit nothing they must not hold.

A forked worker inherits its parent's open files. A writer's lock file (flock) stays locked while any process
holds its descriptor, so a worker left asleep after its writer was killed (kill -9 re-parents it to PID 1) would
block every later import. Files registered here with `private` are closed in each worker as it starts (closing a
copy does not unlock the parent's), and each worker asks the kernel to kill it when its parent dies.
"""

from __future__ import annotations

import contextlib
import os

#: Linux prctl option: the signal a process receives when the thread that forked it exits (prctl(2)).
PR_SET_PDEATHSIG = 1

_private: set[int] = set()


def private(fd: int) -> None:
    """Mark a descriptor this process must not pass on to forked workers."""
    _private.add(fd)


def forget(fd: int) -> None:
    """The descriptor is about to be closed by its owner."""
    _private.discard(fd)


def worker_started(parent: int) -> None:
    """Initializer of a forked worker: close the parent's private descriptors, and die with the parent (SIGKILL
    through PR_SET_PDEATHSIG; at once if the parent is already gone)."""
    import ctypes
    import signal

    for fd in list(_private):
        with contextlib.suppress(OSError):
            os.close(fd)
    _private.clear()
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the descriptors are closed all the same
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
