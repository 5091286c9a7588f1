"""Processes as /proc shows them: whether one runs, its children, its command line (the writer lock names the
process that holds it with these).

The derivation runs in the writer's own process (cmltrack.derive, vectorised), so an import forks no workers that
could inherit the writer's lock file and outlive a killed writer.
"""

from __future__ import annotations

from pathlib import Path


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
