"""The writer lock never outlives its writer: an import killed mid-write leaves no process and no lock behind (it
forks none), and a lock held by a process that is not the writer that took it is reported as stale, naming the
holder."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cmltrack.db.lock import DatabaseBusy, lock_path, writer_lock
from cmltrack.processes import alive, children

ROOT = Path(__file__).resolve().parents[2]


def _kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    """A synthetic registry large enough for an import into it to take a few seconds."""
    from cmltrack.cohorts.synthetic import synthetic_frames
    from cmltrack.db.store import write_database

    folder = tmp_path_factory.mktemp("big")
    return write_database(folder / "registry.duckdb", synthetic_frames(3000, seed=1, visits=12),
                          source="synthetic cohort (test)")


def test_a_killed_import_leaves_no_process_and_no_lock_behind(tmp_path, registry):
    db = tmp_path / "registry.duckdb"
    db.write_bytes(registry.read_bytes())
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    (tmp_path / "patients.csv").write_text("patient_id,sex\nNEW-1,F\n")
    writer = subprocess.Popen([sys.executable, "-m", "cmltrack", "import", "--db", str(db),
                               str(tmp_path / "patients.csv")], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    spawned: list[int] = []
    try:
        def writing() -> bool:  # the lock taken and its holder recorded: the import is under way
            lock = lock_path(db)
            return lock.exists() and lock.read_text().split("\n")[0] == str(writer.pid)

        assert _wait(lambda: writing() or writer.poll() is not None, 120)
        assert writer.poll() is None, "the import finished before it could be killed mid-write"
        spawned = children(writer.pid)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        assert _wait(lambda: not any(alive(p) for p in spawned), 10), "a process outlived the killed import"
        with writer_lock(db, wait_s=5):  # the next writer gets the lock
            pass
    finally:
        _kill([writer.pid, *spawned])
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_lock_held_after_its_writer_died_is_reported_as_stale_with_its_holder(tmp_path):
    db = tmp_path / "registry.duckdb"
    # a writer takes the lock, forks a child that inherits it (any fork would), and is killed
    script = ("import os, sys, time\n"
              "from cmltrack.db.lock import writer_lock\n"
              f"with writer_lock({str(db)!r}):\n"
              "    if os.fork() == 0:\n"
              "        time.sleep(60)\n"
              "        os._exit(0)\n"
              "    print('held', flush=True)\n"
              "    time.sleep(60)\n")
    writer = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    child = None
    try:
        assert writer.stdout.readline().strip() == "held"
        child = children(writer.pid)[0]
        with pytest.raises(DatabaseBusy) as busy:
            with writer_lock(db):
                pass
        assert f"PID {writer.pid}" in str(busy.value)  # the live writer is named
        writer.kill()
        writer.wait()
        with pytest.raises(DatabaseBusy) as stale:
            with writer_lock(db):
                pass
        message = str(stale.value)
        assert "stale" in message and f"PID {writer.pid}" in message and f"PID {child}" in message
        assert str(lock_path(db)) in message
    finally:
        _kill([writer.pid] + ([child] if child else []))
        writer.wait()
