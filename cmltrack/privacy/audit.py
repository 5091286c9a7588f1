"""Append-only audit trail of patient views (who, which patient as a keyed pseudonym, when).

One JSON object per line, appended with O_APPEND so concurrent writers never interleave a line. The patient is
written as HMAC-SHA256(key, patient id) truncated to 16 hex digits: the trail alone does not say who was viewed,
while the key holder (privacy office) can check a given patient.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from pathlib import Path


def patient_token(patient_id: str, key: bytes) -> str:
    """The keyed pseudonym of a patient id in the audit trail."""
    return hmac.new(key, patient_id.encode(), hashlib.sha256).hexdigest()[:16]


def record_view(path: str | Path, user: str, patient_id: str, key: bytes, when: dt.datetime | None = None) -> None:
    """Append one line: {"at": ISO time (UTC), "user": ..., "patient": keyed pseudonym, "action": "view"}."""
    line = json.dumps({"at": (when or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
                       "user": user, "patient": patient_token(patient_id, key), "action": "view"}) + "\n"
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def load_or_create_key(path: str | Path) -> bytes:
    """The audit key in ``path`` (created with 32 random bytes, readable by the owner only, when missing)."""
    target = Path(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, os.urandom(32).hex().encode())
        finally:
            os.close(fd)
    return bytes.fromhex(target.read_text().strip())
