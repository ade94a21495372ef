"""app/auth is self-contained: it may use models, errors and its own modules, never the HTTP layer."""

import ast
from pathlib import Path

import pytest

AUTH_DIR = Path(__file__).resolve().parents[2] / "app" / "auth"
ALLOWED_APP_MODULES = ("app.auth", "app.models", "app.errors")


@pytest.mark.parametrize("path", sorted(AUTH_DIR.rglob("*.py")), ids=lambda p: str(p.relative_to(AUTH_DIR)))
def test_auth_module_imports_stay_inside_the_integration(path: Path) -> None:
    imported: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
        elif isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
    app_imports = [m for m in imported if m == "app" or m.startswith("app.")]
    assert all(m.startswith(ALLOWED_APP_MODULES) for m in app_imports), app_imports
