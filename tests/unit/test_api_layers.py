"""Operations do not depend on routes: only the app (which wires routers) and its examples import them."""

from __future__ import annotations

import ast
from pathlib import Path

import kairos.api

API = Path(kairos.api.__file__).parent
# app.py includes every router; examples.py documents the routers' own answer models.
WIRING = {"app.py", "examples.py"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_no_operation_or_dialect_imports_a_router() -> None:
    offenders = {}
    for path in sorted(API.rglob("*.py")):
        relative = path.relative_to(API)
        if relative.parts[0] == "routers" or str(relative) in WIRING:
            continue
        routers = sorted(m for m in _imports(path) if m.startswith("kairos.api.routers"))
        if routers:
            offenders[str(relative)] = routers
    assert offenders == {}
