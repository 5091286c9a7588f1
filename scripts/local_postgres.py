"""A throwaway local PostgreSQL server for the tests: `start DIR` prints its URL, `stop DIR` ends it.

Uses Debian's postgresql package (scripts/test.sh installs it). The cluster lives in DIR, listens on 127.0.0.1 only,
on a free port, with trust authentication for local connections (a throwaway server for the length of a test run,
reachable from this machine only), and the C locale (text sorts as DuckDB sorts it).
Run as root, initdb and the server run as the postgres user, which PostgreSQL requires.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not versions:
        sys.exit("PostgreSQL is not installed: apt-get install postgresql")
    return Path(versions[-1]).parent


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(root: Path) -> str:
    """Create and start a cluster in ``root``; return the URL of its postgres database."""
    root.mkdir(parents=True, exist_ok=True)
    data = root / "data"
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    bindir = _bindir()
    subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                              "--locale=C", "--encoding=UTF8"]), check=True, stdout=subprocess.DEVNULL)
    for _attempt in range(3):  # the free port may be taken between choosing it and the server binding it
        port = _free_port()
        options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
                   "-c max_connections=200")
        started = subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                            "-l", str(root / "server.log"), "-w", "start"]), stdout=subprocess.DEVNULL)
        if started.returncode == 0:
            return f"postgresql://postgres@127.0.0.1:{port}/postgres"
    sys.exit(f"PostgreSQL did not start; see {root / 'server.log'}")


def stop(root: Path) -> None:
    """Stop the cluster in ``root`` (fast shutdown: open test connections are ended)."""
    subprocess.run(_as_owner([str(_bindir() / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "stop"]),
                   check=False, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: python scripts/local_postgres.py start|stop DIR")
    if sys.argv[1] == "start":
        print(start(Path(sys.argv[2]).resolve()))
    else:
        stop(Path(sys.argv[2]).resolve())
