"""One writer at a time per database file: an advisory lock on ``<file>.lock`` held while a new file is built.

Readers never take it (they read the file in place, and a finished write is an atomic rename), so the app keeps
working during an import. A second writer is refused with DatabaseBusy instead of racing the first. For a
PostgreSQL registry the lock is a server advisory lock, which every replica and CLI sees.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path


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


@contextlib.contextmanager
def _file_lock(path: str | Path, wait_s: float) -> Iterator[None]:
    """flock on the file beside the database (released by the kernel if the process dies)."""
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(f"database busy: another import or upgrade is writing {path}; try again when "
                                       "it has finished") from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
