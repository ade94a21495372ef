"""The shared vocabulary: the generated Python constants say exactly what contract/gatehouse.json says."""

import json
import shutil
import subprocess
from pathlib import Path

from gatehouse_fastapi import _contract as contract

ROOT = Path(__file__).resolve().parents[2]
SOURCE = json.loads((ROOT / "contract" / "gatehouse.json").read_text())


def test_generated_files_match_the_contract() -> None:
    node = shutil.which("node")
    assert node, "node runs the generator; it is installed with the auth server"
    result = subprocess.run(
        [node, str(ROOT / "scripts" / "gen-contract.mjs"), "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_python_constants_say_what_the_contract_says() -> None:
    assert {code.value: contract.ERROR_STATUS[code] for code in contract.ErrorCode} == {
        code: entry["status"] for code, entry in SOURCE["errors"].items()
    }
    assert {kind.value for kind in contract.FeedKind} == set(SOURCE["feedKinds"])
    assert {event.value for event in contract.AuditEventType} == set(SOURCE["auditEvents"])
    assert list(contract.ROLE_NAMES) == SOURCE["roles"]["names"]
    assert SOURCE["roles"]["default"] == contract.DEFAULT_ROLE
    assert list(contract.ADMIN_ROLES) == SOURCE["roles"]["admin"]
    assert SOURCE["impersonation"]["sessionLifetimeSeconds"] == contract.IMPERSONATION_SESSION_LIFETIME_SECONDS
    assert SOURCE["revocation"]["boundMs"] == contract.REVOCATION_BOUND_MS
    assert SOURCE["revocation"]["cacheTrustMs"] == contract.REVOCATION_CACHE_TRUST_MS
    assert set(contract.PLACEHOLDER_SECRETS) == set(SOURCE["placeholderSecrets"])
