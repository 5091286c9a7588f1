"""The registry with cmltrack's clinical derivation plugged in: the one place where cmltrack.db (which imports
nothing above it) meets cmltrack.derive and the demo cohort. Writers (the CLI, the import, the app's first start)
open registries here; readers may use cmltrack.db directly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cmltrack.cohorts.demo import DEMO_SOURCE, demo_frames
from cmltrack.db.registry import Connection, Progress, Registry
from cmltrack.db.target import Target, open_registry
from cmltrack.derive import derived_in_turn

__all__ = ["BUILD_WAIT_S", "DEMO_SOURCE", "ensure_database", "refresh_own_demo", "registry", "upgrade_database",
           "write_database"]

#: Seconds a session waits for another session (or process) building or upgrading the demo database.
BUILD_WAIT_S = 300.0


def registry(target: Target | Registry) -> Registry:
    """The registry at ``target`` (a DuckDB file or a postgresql:// URL), able to write: derivation handed in."""
    if isinstance(target, Registry):
        return target
    return open_registry(target, derive=derived_in_turn)


def write_database(target: Target, frames: dict[str, pd.DataFrame], source: str,
                   progress: Progress | None = None) -> Target:
    """Replace the registry at ``target`` with ``frames`` and the tables derived from them, atomically (see
    Registry.replace); return ``target`` (a file as a Path)."""
    written = registry(target)
    written.replace(frames, source, progress)
    return written.target


def upgrade_database(target: Target) -> Path | None:
    """Rewrite the registry at ``target`` in the current schema (Registry.upgrade); return the backup kept."""
    return registry(target).upgrade()


def ensure_database(target: Target | Registry, default: str | Path | None = None) -> Target:
    """Return ``target``; when no file is there, build the demo database if it is the ``default`` path, else raise
    DatabaseMissing (a mistyped or unmounted path must never turn into fake patients). A server's registry is
    written by ``migrate`` or ``import``, never made up. Sessions arriving together wait for one build."""
    registry(target).ensure(default, demo_frames, DEMO_SOURCE, BUILD_WAIT_S)
    return target


def refresh_own_demo(target: Target | Registry, default: str | Path | None, con: Connection) -> bool:
    """Upgrade the demo database the app built at the ``default`` path when ``con`` finds it in an older schema
    (a backup kept; sessions arriving together wait for one upgrade); return whether it was rewritten."""
    return registry(target).refresh_own_demo(default, con, DEMO_SOURCE, BUILD_WAIT_S)
