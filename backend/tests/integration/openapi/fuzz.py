"""A seeded, bounded fuzzing pass over one OpenAPI document with schemathesis: for every operation and every
identity, a fixed number of requests generated from the document (valid ones, then invalid ones), each answer
checked for server errors and for conformance (status documented, content type, headers, body schema).

Deterministic for a given seed and database state: Hypothesis's example database is off, examples are not
shrunk (a failure is reported as found, with a curl command to replay it) and no check depends on time."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Finding:
    """One failing case: `operation` ("METHOD /path"), `code` (the schemathesis check code such as ST101, or the
    name of the error that stopped the case) and `text` (who sent it, what failed, a curl command to replay it)."""

    operation: str
    code: str
    text: str


@dataclass
class FuzzReport:
    """What one pass sent and found."""

    requests: int = 0
    operations: set[str] = field(default_factory=set)
    statuses: dict[int, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    no_invalid_variant: set[str] = field(default_factory=set)

    def summary(self, name: str, seed: int) -> str:
        by_class: dict[str, int] = {}
        for status, count in self.statuses.items():
            by_class[f"{status // 100}xx"] = by_class.get(f"{status // 100}xx", 0) + count
        return (
            f"fuzz {name}: seed {seed}, {self.requests} requests over {len(self.operations)} operations, "
            f"answers {dict(sorted(by_class.items()))}, {len(self.findings)} findings"
        )


@dataclass
class Identity:
    """Who sends a request: extra headers, and how many examples per operation and generation mode."""

    name: str
    headers: dict[str, str]
    examples: int


def fuzz(
    document: dict[str, Any],
    base_url: str,
    identities: list[Identity],
    *,
    seed: int,
    skip: Callable[[Identity, str], bool] = lambda _identity, _operation: False,
) -> FuzzReport:
    """Fuzz every operation of `document` at `base_url` as each identity (`skip(identity, "METHOD /path")` leaves
    out operations that would end that identity's session). Returns the figures and every finding."""
    report = FuzzReport()
    schema = schemathesis.openapi.from_dict(document)
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # an operation schemathesis cannot read is a broken document: a finding
            report.findings.append(Finding("?", "unreadable", f"unreadable operation: {result.err()}"))
            continue
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        for identity in identities:
            if skip(identity, label):
                continue
            report.operations.add(label)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                where = f"{identity.name} {label} ({mode.value})"
                try:
                    _pass(operation, label, where, identity, mode, base_url, seed, report)()
                except Unsatisfiable:
                    # Nothing in the operation can be made invalid (no parameters, no body): no negative case.
                    report.no_invalid_variant.add(label)
                except Exception as error:
                    if not _only_check_failures(error):  # the case could not be generated or sent: a finding too
                        report.findings.append(Finding(label, type(error).__name__, f"{where}: {error!r}"[:1000]))
    return report


class _CheckFailedError(AssertionError):
    """An answer failed a check; its findings are already in the report."""


def _only_check_failures(error: BaseException) -> bool:
    """Whether `error` is a check failure already recorded, or a group of nothing else (Hypothesis groups distinct
    failures of one test)."""
    if isinstance(error, BaseExceptionGroup):
        return all(_only_check_failures(inner) for inner in error.exceptions)
    return isinstance(error, _CheckFailedError)


def _pass(
    operation: Any,
    label: str,
    where: str,
    identity: Identity,
    mode: GenerationMode,
    base_url: str,
    seed: int,
    report: FuzzReport,
) -> Callable[[], None]:
    """One Hypothesis test: `identity.examples` cases of `operation` in `mode`, each sent and checked. The first
    failing case ends it (Hypothesis then replays that case once to report it: not counted again)."""
    failed: list[str] = []

    @settings(
        max_examples=identity.examples,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @hypothesis_seed(seed)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if failed:  # Hypothesis's replay of the failing case
            raise _CheckFailedError(failed[0])
        response = case.call(base_url=base_url, headers=identity.headers, timeout=30)
        report.requests += 1
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as error:  # schemathesis groups its check failures
            curl = case.as_curl_command(headers=identity.headers, base_url=base_url)
            text = f"{where}: {str(error)[:800]}\n  {curl}"
            failed.append(text)
            for code in sorted(set(re.findall(r"- (ST\d+) ", str(error)))) or ["?"]:
                report.findings.append(Finding(label, code, text))
            raise _CheckFailedError(text) from None

    return run
