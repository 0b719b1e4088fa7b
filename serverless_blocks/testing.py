"""Testing helpers for apps built on serverless_blocks: run cdk-nag v3 (AwsSolutions and Serverless packs).

Opt in with ``pip install "serverless-blocks[testing]"``, which brings cdk-nag; nothing in the constructs
imports this module, and this module imports cdk-nag only when a synthesis needs the packs.

cdk-nag v3 is a CDK policy-validation plugin: it is registered with ``Validations.of(app)``, runs
during ``app.synth()`` and writes ``validation-report.json`` into the cloud assembly. Synthesis fails
on any finding, so :func:`synthesize_with_nag` catches that failure and reads the report, which lets
one synthesis serve both the nag check and the template assertions of a test module.

Acknowledged findings never reach the report's violations. Their reasons live in construct metadata
(``Validations.of(scope).acknowledge``); :func:`acknowledgments` reads them back so tests can insist
that every acknowledgment says why.

Example::

    report = synthesize_with_nag(app)
    assert_nag_clean(report.findings)
    assert_acknowledgments_justified(app)
    template = report.template(stack)
"""

import json
import re
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack, Validations
from constructs import IConstruct

__all__ = [
    "CdkNagNotInstalledError",
    "NagAcknowledgment",
    "NagFinding",
    "NagReport",
    "NotAnAppError",
    "acknowledgments",
    "assert_acknowledgments_justified",
    "assert_nag_clean",
    "nag_findings",
    "synthesize_with_nag",
]

_REPORT_FILE = "validation-report.json"
# "ok" or "n/a" tells a reviewer nothing; a justification needs at least a short sentence.
_MIN_REASON_WORDS = 6
# CDK stores ids without a known plugin prefix as "Annotation::<id>" ("annotation::" before 2.262.1).
_ANNOTATION_PREFIX = re.compile(r"^annotation::", re.IGNORECASE)
# Construct context is frozen once children exist, and every root shares one node address, so the
# apps that already have the packs are remembered here (weakly, so that finished apps can go).
_APPS_WITH_PACKS: weakref.WeakSet[App] = weakref.WeakSet()


class CdkNagNotInstalledError(ImportError):
    """Raised when the helpers need cdk-nag and it is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "serverless_blocks.testing runs cdk-nag, which is not installed; install the testing extra: "
            'pip install "serverless-blocks[testing]" (or pip install cdk-nag).'
        )


class NotAnAppError(TypeError):
    """Raised when the construct given is not inside a CDK App, so nothing can be synthesized."""

    def __init__(self, construct: IConstruct) -> None:
        super().__init__(
            f"{construct.node.path or 'The root construct'} is not inside an aws_cdk.App; "
            "create the stack with App() as its scope before running cdk-nag."
        )


@dataclass(frozen=True)
class NagFinding:
    """One rule that one resource breaks and nobody acknowledged."""

    rule_id: str
    severity: str
    resource_path: str
    description: str

    def __str__(self) -> str:
        return f"[{self.severity}] {self.rule_id} at {self.resource_path}: {self.description}"


@dataclass(frozen=True)
class NagAcknowledgment:
    """A finding someone chose to accept, where they accepted it, and why."""

    rule_id: str
    reason: str
    construct_path: str

    def __str__(self) -> str:
        return f"{self.rule_id} at {self.construct_path}: {self.reason!r}"


@dataclass(frozen=True)
class NagReport:
    """The outcome of one synthesis with both packs: open findings plus where the templates are."""

    findings: tuple[NagFinding, ...]
    assembly_dir: Path

    def template(self, stack: Stack) -> dict[str, Any]:
        """Return the synthesized CloudFormation template of ``stack`` from this synthesis."""
        return json.loads((self.assembly_dir / stack.template_file).read_text(encoding="utf-8"))


def synthesize_with_nag(stack_or_app: IConstruct) -> NagReport:
    """Register both packs on the app (once), synthesize it, and collect the open findings."""
    app = _app_of(stack_or_app)
    _register_packs(app)
    report_path = Path(app.outdir) / _REPORT_FILE
    report_path.unlink(missing_ok=True)
    try:
        app.synth(force=True)
    except RuntimeError:
        # Any finding fails synthesis by design; the report file is the result, so only a failure
        # that left no report is a real error.
        if not report_path.exists():
            raise
    findings = _read_findings(report_path) if report_path.exists() else ()
    return NagReport(findings=findings, assembly_dir=Path(app.outdir))


def nag_findings(stack_or_app: IConstruct) -> list[NagFinding]:
    """Return every unacknowledged AwsSolutions and Serverless finding (errors and warnings)."""
    return list(synthesize_with_nag(stack_or_app).findings)


def assert_nag_clean(findings: Sequence[NagFinding]) -> None:
    """Fail with one line per finding: rule id, resource path and what the rule says."""
    if findings:
        listing = "\n".join(f"  {finding}" for finding in findings)
        raise AssertionError(f"{len(findings)} unacknowledged cdk-nag finding(s):\n{listing}")


def acknowledgments(scope: IConstruct) -> list[NagAcknowledgment]:
    """Return every rule acknowledged on ``scope`` or below it, with its reason."""
    return [
        NagAcknowledgment(rule_id=_strip_prefix(rule_id), reason=reason, construct_path=construct.node.path)
        for construct in scope.node.find_all()
        for rule_id, reason in _acknowledged_rules(construct)
    ]


def assert_acknowledgments_justified(scope: IConstruct) -> None:
    """Fail when an acknowledgment's reason is too short to tell a reviewer why it is safe."""
    weak = [ack for ack in acknowledgments(scope) if len(ack.reason.split()) < _MIN_REASON_WORDS]
    if weak:
        listing = "\n".join(f"  {ack}" for ack in weak)
        raise AssertionError(f"{len(weak)} acknowledgment(s) without a real reason:\n{listing}")


def _app_of(construct: IConstruct) -> App:
    root = construct.node.root
    if not App.is_app(root):
        raise NotAnAppError(construct)
    return root


def _register_packs(app: App) -> None:
    """Add the packs once per app; registering twice would report every finding twice."""
    if app in _APPS_WITH_PACKS:
        return
    try:
        from cdk_nag import AwsSolutionsChecks, ServerlessChecks  # noqa: PLC0415  (the extra is optional)
    except ImportError as error:
        raise CdkNagNotInstalledError from error
    _APPS_WITH_PACKS.add(app)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))


def _read_findings(report_path: Path) -> tuple[NagFinding, ...]:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return tuple(
        NagFinding(
            rule_id=violation["ruleName"],
            severity=violation.get("severity", "error"),
            resource_path=violating["constructPath"],
            description=violation["description"],
        )
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        for violating in violation.get("violatingConstructs", [])
    )


def _acknowledged_rules(construct: IConstruct) -> Iterator[tuple[str, str]]:
    for entry in construct.node.metadata:
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
            data: Mapping[str, str] = entry.data
            yield from data.items()


def _strip_prefix(rule_id: str) -> str:
    return _ANNOTATION_PREFIX.sub("", rule_id)
