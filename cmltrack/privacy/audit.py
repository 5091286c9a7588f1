"""The audit trail: who viewed or exported which patients, when; append-only, hash-chained and signed.

One JSON object per line. Each line carries `prev`, the SHA-256 of the line before it (of everything before it
for the first signed line, so a trail written before the chain existed is sealed as it was), and `mac`, an
HMAC-SHA256 of the line under the audit key. Removing or reordering a line breaks the next line's `prev`; changing
a line breaks its `mac`, and a line cannot be forged without the key. The sequence number and hash of the last
line are also kept in a head file beside the key, so lines cut from the end are noticed too. The key (and head)
live apart from the trail: whoever can edit the trail cannot re-sign it. The first signed line names the key
(`key`: a fingerprint, not the key), and a trail whose key is another one is refused.

Patients are written as keyed pseudonyms, HMAC-SHA256(key, patient id) truncated to 16 hex digits: the trail
alone does not say who was viewed, while the key holder (privacy office) can check a given patient.

`verify` checks a whole trail and names its first broken line (`python -m cmltrack audit verify`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Bytes read at a time when looking for the last line from the end of the trail.
_BLOCK = 65536


class AuditError(RuntimeError):
    """The audit trail cannot be continued (another key, a missing key, a broken chain) or written."""


def patient_token(patient_id: str, key: bytes) -> str:
    """The keyed pseudonym of a patient id in the audit trail."""
    return hmac.new(key, patient_id.encode(), hashlib.sha256).hexdigest()[:16]


def key_id(key: bytes) -> str:
    """The fingerprint a trail records of its key (not the key)."""
    return hmac.new(key, b"cmltrack audit key", hashlib.sha256).hexdigest()[:16]


def _canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _mac(entry: dict, key: bytes) -> str:
    return hmac.new(key, _canonical({k: v for k, v in entry.items() if k != "mac"}), hashlib.sha256).hexdigest()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_key(path: str | Path, trail: str | Path) -> bytes:
    """The audit key in ``path``: created (32 random bytes, readable by the owner only) only while no trail exists;
    a missing key with a trail, a key beside the trail, or an unreadable key raise AuditError."""
    key_file, trail_file = Path(path), Path(trail)
    if key_file.resolve().parent == trail_file.resolve().parent:
        raise AuditError(f"the audit key {key_file} sits beside the trail {trail_file}: keep it apart (another "
                         "folder, readable only by the app), or anyone who can edit the trail can re-sign it")
    if not key_file.exists():
        if trail_file.exists() and trail_file.stat().st_size:
            raise AuditError(f"the audit key {key_file} is missing, but the trail {trail_file} exists: restore the "
                             "key it was written with (or move the trail aside to start a new one)")
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, os.urandom(32).hex().encode())
        finally:
            os.close(fd)
    return read_key(key_file)


def read_key(path: str | Path) -> bytes:
    """The audit key in ``path`` (AuditError when it is missing or not a key)."""
    try:
        return bytes.fromhex(Path(path).read_text().strip())
    except (OSError, ValueError) as exc:
        raise AuditError(f"the audit key {path} cannot be read ({type(exc).__name__})") from None


def head_path(key_path: str | Path) -> Path:
    """Where the last line's sequence number and hash are kept: beside the key, apart from the trail."""
    key_file = Path(key_path)
    return key_file.with_name(key_file.name + ".head")


@dataclass(frozen=True)
class Line:
    """One line of the trail as read: its number (1 = first), raw bytes and parsed entry (None: not JSON)."""

    number: int
    raw: bytes
    entry: dict | None


def _lines(path: Path) -> Iterator[Line]:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            yield Line(number, raw, _parsed(raw))


def _last_line(fd: int) -> tuple[bytes, int]:
    """The last line of the open trail and the offset where it starts (b"", 0 for an empty trail)."""
    end = os.lseek(fd, 0, os.SEEK_END)
    if end == 0:
        return b"", 0
    tail, position = b"", end
    while position > 0:
        step = min(_BLOCK, position)
        position -= step
        tail = os.pread(fd, step, position) + tail
        cut = tail.rfind(b"\n", 0, len(tail) - 1)
        if cut >= 0:
            return tail[cut + 1:], position + cut + 1
    return tail, 0


def _parsed(raw: bytes) -> dict | None:
    try:
        entry = json.loads(raw) if raw.strip() else None
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def _signed(entry: dict | None) -> bool:
    return entry is not None and "mac" in entry and "prev" in entry


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)


def _head(key_path: str | Path) -> tuple[int, str] | None:
    try:
        seq, digest = head_path(key_path).read_text().split()
        return int(seq), digest
    except (OSError, ValueError):
        return None


def _write_head(key_path: str | Path, seq: int, digest: str) -> None:
    head = head_path(key_path)
    tmp = head.with_name(head.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, f"{seq} {digest}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, head)


def append(trail: str | Path, key: bytes, key_path: str | Path, user: str, action: str, page: str,
           patient_ids: Sequence[str], when: dt.datetime | None = None, **detail: object) -> dict:
    """Append one signed line: time (UTC), user, action ('view', 'export'), page, the patients as keyed pseudonyms,
    and any detail (what was exported, the mode, the filter). Concurrent writers (threads, processes) take turns."""
    path = Path(trail)
    with _locked(path) as fd:
        last, start = _last_line(fd)
        previous = _parsed(last)
        if _signed(previous):
            prev, seq = _digest(last), int(previous.get("seq", 0)) + 1
        elif _head(key_path) is not None:
            raise AuditError(f"the last line of the audit trail {path} is not a signed line: run `python -m "
                             "cmltrack audit verify` to find the first broken line")
        else:  # the first signed line seals whatever the trail held before the chain (nothing, for a new trail)
            prev, seq = _digest(os.pread(fd, start + len(last), 0)), 1
        entry = {"seq": seq, "at": (when or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"), "user": user,
                 "action": action, "page": page, "patients": [patient_token(p, key) for p in patient_ids],
                 **detail, "prev": prev}
        if seq == 1:
            entry["key"] = key_id(key)
        entry["mac"] = _mac(entry, key)
        line = _canonical(entry) + b"\n"
        if os.write(fd, line) != len(line):
            raise AuditError(f"the audit trail {path} could not be written whole")
        os.fsync(fd)
        _write_head(key_path, seq, _digest(line))
    return entry


@dataclass(frozen=True)
class Verdict:
    """The result of checking a trail: how many lines, and the first broken one (None: intact)."""

    lines: int
    signed: int
    broken_line: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Whether the whole trail is intact."""
        return self.broken_line is None


def verify(trail: str | Path, key: bytes, key_path: str | Path | None = None) -> Verdict:
    """Check every line of the trail: the chain, each line's signature, the key it was written with, and (with
    ``key_path``) that no line was cut from its end. Names the first broken line."""
    path = Path(trail)
    if not path.exists():
        return Verdict(0, 0)
    before, prev_raw, seq, count, signed = b"", None, 0, 0, 0
    for line in _lines(path):
        count = line.number
        entry = line.entry
        if not _signed(entry):
            if signed:
                return Verdict(count, signed, count, "not a signed line (inserted or changed after it was written)")
            before += line.raw  # a line written before the chain: sealed by the first signed line
            continue
        expected = _digest(prev_raw) if prev_raw is not None else _digest(before)
        if entry["prev"] != expected:
            what = "line" if prev_raw is not None else "lines"
            return Verdict(count, signed, count, f"does not follow the {what} before it (a line was removed, "
                                                 "inserted or changed before it)")
        if not hmac.compare_digest(str(entry["mac"]), _mac(entry, key)):
            return Verdict(count, signed, count, "changed after it was written, or written without the audit key "
                                                 "(its signature does not match)")
        if signed == 0 and entry.get("key") != key_id(key):
            return Verdict(count, signed, count, "the trail was begun with another audit key")
        if entry.get("seq") != seq + 1:
            return Verdict(count, signed, count, f"is numbered {entry.get('seq')}, {seq + 1} expected")
        prev_raw, seq, signed = line.raw, seq + 1, signed + 1
    head = _head(key_path) if key_path is not None else None
    if head is not None and (head[0] > seq or (head[0] == seq and prev_raw is not None
                                               and head[1] != _digest(prev_raw))):
        return Verdict(count, signed, count + 1, f"line {head[0]} was written but the trail ends at line "
                                                 f"{seq} of its signed lines (lines were cut from its end)")
    return Verdict(count, signed)


def check_continuable(trail: str | Path, key: bytes, key_path: str | Path) -> None:
    """Raise AuditError unless the app may go on writing this trail with this key: the first signed line names
    this key, the last line's signature holds, and the head file agrees with the last line (cheap: two lines read,
    not the whole trail; `verify` reads it all)."""
    path = Path(trail)
    if not path.exists() or not path.stat().st_size:
        return
    first = next((line for line in _lines(path) if _signed(line.entry)), None)
    if first is None:
        return  # only lines from before the chain: the next line seals them
    if first.entry.get("key") != key_id(key):
        raise AuditError(f"the audit trail {path} was written with another key than {key_path}: restore the key "
                         "it was written with, or move the trail aside to start a new one")
    fd = os.open(path, os.O_RDONLY)
    try:
        last, _ = _last_line(fd)
    finally:
        os.close(fd)
    entry = _parsed(last)
    if not _signed(entry) or not hmac.compare_digest(str(entry["mac"]), _mac(entry, key)):
        raise AuditError(f"the last line of the audit trail {path} is not signed with the audit key: run "
                         "`python -m cmltrack audit verify` to find the first broken line")
    head = _head(key_path)
    if head is not None and (head[0], head[1]) != (entry.get("seq"), _digest(last)):
        raise AuditError(f"the audit trail {path} does not end where it was last written (line {head[0]}): run "
                         "`python -m cmltrack audit verify`")
