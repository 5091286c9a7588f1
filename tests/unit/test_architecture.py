"""The package's shape: no import cycle (imports inside functions included), cmltrack.db imports nothing above it,
no caller outside cmltrack.db asks which engine it talks to, and cmltrack/ itself holds a handful of modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cmltrack"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The cmltrack module an imported name lives in (a module, else the package defining the name)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """Every cmltrack module ``module`` imports, at the top or inside a function, in any form."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] + [base]
            names = [n for n in names[:-1] if n in MODULES] or [base]  # `from pkg import module` imports the module
        else:
            continue
        found |= {m for n in names if n.startswith("cmltrack") and (m := _resolve(n)) and m != module}
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_walker_sees_imports_inside_functions():
    graph = {m: imports_of(m) for m in MODULES}
    assert "cmltrack.db.target" in graph["cmltrack.config"]  # imported inside database_path()
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_in_cmltrack():
    graph = {m: imports_of(m) for m in MODULES}
    assert _cycles(graph) == []


def test_db_imports_nothing_above_it():
    """cmltrack.db may use the pure clinical rules and itself; the derivation and the demo cohort are handed in."""
    allowed = re.compile(r"^cmltrack(\.db(\..*)?|\.clinical(\..*)?)$")
    reaching_up = {(m, i) for m in MODULES if m.startswith("cmltrack.db") for i in imports_of(m)
                   if not allowed.match(i)}
    assert reaching_up == set()


def test_no_caller_asks_which_engine():
    """The engine is chosen once (cmltrack.db.target); everything else talks to a Registry."""
    engine_names = re.compile(r"\b(is_postgres|PgReader|PgRegistry|PgSnapshot|PostgresRegistry|DuckDBFile)\b")
    callers = [p for p in [*PACKAGE.rglob("*.py"), ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
               if PACKAGE / "db" not in p.parents]
    asking = [f"{p.relative_to(ROOT)}:{n}" for p in callers for n, line in enumerate(p.read_text().splitlines(), 1)
              if engine_names.search(line)]
    assert asking == []


def test_the_package_top_level_holds_at_most_six_modules():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 6, top


def test_the_month_is_written_once():
    """30.4375 days (MONTH_DAYS, cmltrack.clinical.units) is the one month: SQL and importers take the constant."""
    written = [f"{p.relative_to(ROOT)}:{n}" for p in [*PACKAGE.rglob("*.py"), *(ROOT / "pages").glob("*.py")]
               for n, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"30\.4375|365\.25", line)]
    assert written and {w.split(":")[0] for w in written} == {"cmltrack/clinical/units.py"}


#: Names presentation mode once went by in the code (issue 18): it is ``board`` throughout (ui.board, ?mode=board,
#: the figure builders' ``board`` parameter); the session's pseudonym map is ``pseudonyms``.
_OLD_MODE_NAMES = {"calendar", "deid", "deidentified"}


def test_presentation_mode_has_one_name():
    found = []
    for path in [*ROOT.glob("cmltrack/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py", *ROOT.glob("bench/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.arg for a in node.args.args + node.args.kwonlyargs] if isinstance(node, ast.FunctionDef)
                     else [k.arg for k in node.keywords] if isinstance(node, ast.Call)
                     else [node.id] if isinstance(node, ast.Name) else [])
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n in _OLD_MODE_NAMES]
    assert found == []


def test_no_query_recomputes_a_stored_rule():
    """Shown responses and TKI lines are computed once by cmltrack.derive and stored; SQL reads them."""
    sql = (ROOT / "cmltrack/db/queries.py").read_text()
    assert "labs_hematologic" not in sql and "s.labs_" not in sql  # the measured-family rule (derive.summary)
    assert not re.search(r"min\(\s*(\w+\.)?start_date\s*\)", sql)  # a TKI line's first start (derive.lines)


def test_one_alias_convention():
    """``q`` is always cmltrack.ui.data (cached queries); cmltrack.db.queries is always ``queries``."""
    want = {"cmltrack.ui.data": "q", "cmltrack.db.queries": "queries"}
    wrong = []
    for path in [*ROOT.glob("cmltrack/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py", *ROOT.glob("bench/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            for alias in node.names if isinstance(node, ast.ImportFrom) and node.module else []:
                full, name = f"{node.module}.{alias.name}", alias.asname or alias.name
                if want.get(full, name) != name or (name == "q" and full != "cmltrack.ui.data"):
                    wrong.append(f"{path.relative_to(ROOT)}: {full} as {name}")
    assert wrong == []
