"""Processes: forked workers that die with their parent and inherit nothing they must not hold, and what /proc
says about a process (alive, its children, its command line).

A forked worker inherits its parent's open files. A writer's lock file (flock) stays locked while any process
holds its descriptor, so a worker left asleep after its writer was killed (kill -9 re-parents it to PID 1) would
block every later import. Files registered here with `private` are closed in each worker as it starts (closing a
copy does not unlock the parent's), and each worker asks the kernel to kill it when its parent dies.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

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


def _state(pid: int) -> tuple[str, int] | None:
    """(state letter, parent PID) of a process from /proc; None when there is no such process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie, dead and not yet reaped, does not)."""
    state = _state(pid)
    return state is not None and state[0] != "Z"


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            state = _state(int(entry.name))
            if state is not None and state[1] == pid and state[0] != "Z":
                found.append(int(entry.name))
    return sorted(found)


def command(pid: int) -> str:
    """A process's command line, shortened ('?' when it cannot be read)."""
    try:
        text = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"
    return text if len(text) <= 120 else text[:117] + "..."
