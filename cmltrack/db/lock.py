"""One writer at a time per database file: an advisory lock on ``<file>.lock`` held while a new file is built.

Readers never take it (they read the file in place, and a finished write is an atomic rename), so the app keeps
working during an import. A second writer is refused with DatabaseBusy instead of racing the first, naming the
writer (the lock file records its PID, command and start). The kernel releases the lock when every descriptor of
it is closed, so a lock can only outlive its writer in a process that inherited the descriptor (an import forks
none: cmltrack.processes), and a lock held by anyone but the writer that took it is reported as
stale with the holder's PID and command. For a PostgreSQL registry the lock is a server advisory lock, which every
replica and CLI sees.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from cmltrack import processes


class DatabaseBusy(RuntimeError):
    """Another import, upgrade or demo build is writing the same database file."""


#: Locks held, by (thread, database): nesting counts only within the thread that took the lock, so another thread
#: (another session of the same server) is refused like any other writer.
_held: dict[tuple[int, str], int] = {}
_guard = threading.Lock()


def lock_path(path: str | Path) -> Path:
    """The lock file beside a database file."""
    target = Path(path)
    return target.with_name(target.name + ".lock")


@contextlib.contextmanager
def writer_lock(path: str | Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the database's writer lock (re-entrant within one thread; another thread or process is refused); wait up
    to ``wait_s`` seconds for it, then raise DatabaseBusy."""
    from cmltrack.db.postgres import is_postgres
    from cmltrack.db.postgres import writer_lock as server_lock

    server = is_postgres(path)
    key = (threading.get_ident(), str(path) if server else str(lock_path(path).resolve()))
    with _guard:
        nested = key in _held  # already ours (an import that rewrites the database it holds)
        if nested:
            _held[key] += 1
    if nested:
        try:
            yield
        finally:
            with _guard:
                _held[key] -= 1
        return
    with server_lock(str(path), wait_s) if server else _file_lock(path, wait_s):
        with _guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _guard:
                del _held[key]


def _holders(lock: Path) -> list[int]:
    """Processes (of this user, or any for root) with the lock file open: the only ones that can hold it."""
    found = []
    try:
        target = os.stat(lock)
    except OSError:
        return found
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    st = os.stat(fd)
                    if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
                        found.append(int(entry.name))
                        break
    return sorted(found)


def _busy_message(path: str | Path, lock: Path) -> str:
    """Why the lock is taken: the writer named in the lock file while it lives, else the stale holders."""
    try:
        recorded = lock.read_text().splitlines()
        pid = int(recorded[0])
    except (OSError, ValueError, IndexError):
        return f"database busy: another import or upgrade is writing {path}; try again when it has finished"
    command = recorded[1] if len(recorded) > 1 else "?"
    since = f" since {recorded[2]}" if len(recorded) > 2 else ""
    if processes.alive(pid):
        return (f"database busy: another writer is writing {path} (PID {pid}: {command}{since}); try again when "
                "it has finished")
    holders = [h for h in _holders(lock) if h != pid]
    held_by = "; ".join(f"PID {h}: {processes.command(h)}" for h in holders) or "a process this user cannot see"
    return (f"database busy: the writer lock {lock} is stale: the writer that took it (PID {pid}: {command}{since}) "
            f"is gone, but it is still held by {held_by}, left behind by that writer. Stop "
            + (f"it (kill {' '.join(map(str, holders))})" if holders else "it") + ", then try again")


@contextlib.contextmanager
def _file_lock(path: str | Path, wait_s: float) -> Iterator[None]:
    """flock on the file beside the database (released by the kernel if the process dies)."""
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(_busy_message(path, lock)) from None
                time.sleep(0.1)
        started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{processes.command(os.getpid()) or ' '.join(sys.argv)}\n{started}\n".encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
