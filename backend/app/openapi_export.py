"""`python -m app.openapi_export [PATH]` writes the OpenAPI document (default: backend/openapi.json).

A module of its own so that `app.api.openapi` (imported by `app.main`) never needs `app.main` back.
"""

import json
import sys
from pathlib import Path

from app.core.config import Settings
from app.main import create_app

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "openapi.json"


def export(path: Path = DEFAULT_PATH) -> Path:
    """Write the document as stable, diff-friendly JSON (web/scripts/gen-api.mjs reads it); returns `path`."""
    # The schema is a pure function of the code; the secret only satisfies settings validation.
    settings = Settings(_env_file=None, better_auth_secret="openapi-export-only-not-a-real-secret-000")  # noqa: S106
    document = create_app(settings).openapi()
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    print(f"wrote {export(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH)}")
