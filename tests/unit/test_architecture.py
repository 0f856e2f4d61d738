"""Dependencies point inward: domain imports no outer layer or edge library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "domain": {
        "api",
        "projections",
        "falcon",
        "psycopg",
        "psycopg_pool",
        "msgspec",
        "gunicorn",
        "jwt",
        "babel",
    },
    "projections": {"api", "falcon", "msgspec", "gunicorn", "jwt"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_inner_layers(package: str) -> None:
    violations = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }

    assert {k: v for k, v in violations.items() if v} == {}


def test_the_checker_detects_a_violation(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import falcon\nfrom api.app import create_app\n")

    assert imported_roots(module) >= {"falcon", "api"}
