"""The package stands alone: it imports nothing from the Gatehouse backend, and its public surface is `__all__`."""

import ast
import sys
from pathlib import Path

import pytest

import gatehouse_fastapi

PACKAGE_DIR = Path(gatehouse_fastapi.__file__).resolve().parent
THIRD_PARTY = {"fastapi", "starlette", "sqlalchemy", "httpx", "jwt", "aiosqlite", "asyncpg"}


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE_DIR.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_module_imports_only_stdlib_declared_dependencies_and_itself(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert top in sys.stdlib_module_names or top in THIRD_PARTY or top == "gatehouse_fastapi", name


def test_public_names_resolve_and_private_modules_stay_private() -> None:
    for name in gatehouse_fastapi.__all__:
        assert getattr(gatehouse_fastapi, name) is not None
        assert not name.startswith("_")
    modules = {p.stem for p in PACKAGE_DIR.glob("*.py")} | {p.name for p in PACKAGE_DIR.iterdir() if p.is_dir()}
    assert all(m.startswith("_") for m in modules - {"__init__", "__pycache__"}), modules
