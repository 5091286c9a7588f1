"""The layering of DESIGN.md, enforced: SQL only in cmltrack/db, no streamlit below the UI, no rules in pages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.+\b(FROM|INTO|SET)\b", re.S)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0] if node.level == 0 else "")
    return names


@pytest.mark.parametrize("package", ["clinical", "figures", "db"])
def test_no_streamlit_below_the_ui(package):
    for path in (ROOT / "cmltrack" / package).rglob("*.py"):
        assert "streamlit" not in _imports(path), path


def test_clinical_rules_are_plain_python():
    for path in (ROOT / "cmltrack" / "clinical").rglob("*.py"):
        imported = _imports(path)
        assert not imported & {"plotly", "duckdb", "pandas", "numpy", "streamlit"}, path
        modules = {n.module for n in ast.walk(ast.parse(path.read_text()))
                   if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("cmltrack")}
        assert all(m.startswith(("cmltrack.clinical", "cmltrack.clinical.units")) for m in modules), (path, modules)


def test_database_drivers_only_in_the_db_package():
    for path in [*ROOT.glob("*.py"), *(ROOT / "pages").glob("*.py"), *(ROOT / "cmltrack").rglob("*.py")]:
        if "db" not in path.relative_to(ROOT).parts:
            assert not _imports(path) & {"psycopg", "psycopg_pool"}, path


def test_sql_only_in_the_db_package():
    for path in [*ROOT.glob("*.py"), *(ROOT / "pages").glob("*.py"), *(ROOT / "cmltrack").rglob("*.py")]:
        if "db" in path.relative_to(ROOT).parts:
            continue
        strings = [n.value for n in ast.walk(ast.parse(path.read_text()))
                   if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        assert not [s for s in strings if SQL.search(s)], path


def test_pages_hold_no_clinical_rules_or_queries_of_their_own():
    for path in (ROOT / "pages").glob("*.py"):
        assert "cmltrack.clinical" not in path.read_text(), path
        assert "duckdb" not in _imports(path), path
