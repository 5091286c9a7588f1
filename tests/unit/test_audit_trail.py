"""The audit trail proves itself: every line chained to the one before and signed with a key kept apart; a removed,
changed, reordered, inserted or cut line is named by `python -m cmltrack audit verify`; a trail begun with another
key, or a key kept beside the trail, is refused."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cmltrack.privacy import audit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def paths(tmp_path) -> tuple[Path, Path]:
    return tmp_path / "logs" / "audit.jsonl", tmp_path / "secret" / "audit.key"


def _written(paths, n: int = 5) -> tuple[Path, bytes, Path]:
    trail, key_path = paths
    key = audit.load_key(key_path, trail)
    for i in range(n):
        audit.append(trail, key, key_path, f"user{i}@hospital.example", "view", "patient", [f"CML-{i:02d}"])
    return trail, key, key_path


def _lines(trail: Path) -> list[bytes]:
    return trail.read_bytes().splitlines(keepends=True)


def _cli_verify(trail: Path, key_path: Path, capsys) -> tuple[int, str, str]:
    """`python -m cmltrack audit verify`, in this process: (exit code, stdout, stderr)."""
    from cmltrack.cli import main

    code = main(["audit", "verify", "--trail", str(trail), "--key", str(key_path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_untouched_trail_verifies_and_names_no_patient(paths):
    trail, key, key_path = _written(paths)
    assert audit.verify(trail, key, key_path) == audit.Verdict(5, 5)
    assert "CML-0" not in trail.read_text()
    run = subprocess.run([sys.executable, "-m", "cmltrack", "audit", "verify", "--trail", str(trail), "--key",
                          str(key_path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "5 lines, intact" in run.stdout
    entries = [json.loads(line) for line in _lines(trail)]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5] and entries[0]["key"] == audit.key_id(key)
    assert entries[2]["patients"] == [audit.patient_token("CML-02", key)]
    assert (trail.stat().st_mode & 0o777) == 0o600 and (key_path.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize("tamper, broken, reason, at_the_end", [
    (lambda lines: lines[:2] + lines[3:], 3, "does not follow", False),  # line 3 deleted: the old line 4 is named
    (lambda lines: [lines[0], lines[1].replace(b"user1@", b"admin@"), *lines[2:]], 2, "signature", False),
    (lambda lines: [lines[0], lines[2], lines[1], *lines[3:]], 2, "does not follow", False),  # two lines swapped
    (lambda lines: [*lines[:2], b'{"at":"2026-01-01","user":"x"}\n', *lines[2:]], 3, "not a signed line", False),
    (lambda lines: [*lines[:4], lines[4].replace(b"user4@", b"admin@")], 5, "signature", True),
    (lambda lines: lines[:4], 5, "cut from its end", True),  # the last line removed
], ids=["deleted", "user-changed", "swapped", "inserted", "last-changed", "cut"])
def test_verify_names_the_first_broken_line(paths, tamper, broken, reason, at_the_end, capsys):
    trail, key, key_path = _written(paths)
    trail.write_bytes(b"".join(tamper(_lines(trail))))
    verdict = audit.verify(trail, key, key_path)
    assert verdict.broken_line == broken and reason in verdict.reason
    code, _, err = _cli_verify(trail, key_path, capsys)
    assert code == 1 and f"line {broken} is broken" in err and reason in err
    if at_the_end:  # the app checks the trail's end as it starts, and will not go on writing it
        with pytest.raises(audit.AuditError):
            audit.check_continuable(trail, key, key_path)


def test_a_line_cannot_be_forged_without_the_key(paths):
    trail, key, key_path = _written(paths, 2)
    forged = json.loads(_lines(trail)[-1])
    forged.update(seq=3, user="intruder", prev=audit._digest(_lines(trail)[-1]))
    forged["mac"] = audit._mac(forged, b"guessed key")
    with trail.open("ab") as fh:
        fh.write(audit._canonical(forged) + b"\n")
    assert audit.verify(trail, key).broken_line == 3


def test_a_trail_begun_with_another_key_is_refused(paths):
    trail, _, key_path = _written(paths, 2)
    key_path.write_text(bytes(32).hex())  # the key was replaced
    other = audit.read_key(key_path)
    with pytest.raises(audit.AuditError, match="another key"):
        audit.check_continuable(trail, other, key_path)
    assert audit.verify(trail, other).broken_line == 1


def test_the_key_is_kept_apart_and_never_made_up_for_an_existing_trail(paths, tmp_path):
    trail, key_path = paths
    with pytest.raises(audit.AuditError, match="beside the trail"):
        audit.load_key(trail.with_name("audit.key"), trail)
    _written(paths, 1)
    key_path.unlink()
    with pytest.raises(audit.AuditError, match="missing"):
        audit.load_key(key_path, trail)
    assert not key_path.exists()


def test_lines_written_before_the_chain_are_sealed_by_it(paths):
    trail, key_path = paths
    trail.parent.mkdir(parents=True)
    old = b'{"at": "2025-01-01T00:00:00+00:00", "user": "a@h", "patient": "0123456789abcdef", "action": "view"}\n'
    trail.write_bytes(old * 2)
    key_path.parent.mkdir(parents=True)
    key_path.write_text(bytes(range(32)).hex())  # the key the old trail was written with, moved apart from it
    key = audit.load_key(key_path, trail)
    audit.append(trail, key, key_path, "b@h", "view", "patient", ["CML-01"])
    assert audit.verify(trail, key, key_path) == audit.Verdict(3, 1)
    trail.write_bytes(old.replace(b"a@h", b"z@h") + old + _lines(trail)[-1])
    assert audit.verify(trail, key, key_path).broken_line == 3


def test_concurrent_writers_keep_one_unbroken_chain(paths):
    trail, key_path = paths
    key = audit.load_key(key_path, trail)

    def write(n: int) -> None:
        for i in range(25):
            audit.append(trail, key, key_path, f"user{n}", "view", "cohort", [f"CML-{i:02d}"] * 50)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert audit.verify(trail, key, key_path) == audit.Verdict(100, 100)
