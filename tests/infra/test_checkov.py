"""checkov on dev and prod as synthesized: no failed check, and every skip says why on its resource.

checkov runs from its own venv (make: .make/checkov-venv), because it pins a boto3 the project excludes.
Only the stack templates are scanned: the assembly's asset directories hold Lambda code, not CloudFormation.
"""

import json
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from serverless_blocks.compliance import CHECKOV_METADATA_KEY
from tests.infra.conftest import ROOT, SynthesizedApp

ENVIRONMENTS = ["dev_app", "prod_app"]
CHECKOV = ROOT / ".make" / "checkov-venv" / "bin" / "checkov"


def run_checkov(templates: list[Path]) -> dict[str, Any]:
    """checkov's JSON report over ``templates``, one report whatever the number of templates."""
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make .make/checkov` (make test and make test-infra do).")
    files = [argument for template in templates for argument in ("-f", str(template))]
    completed = subprocess.run(
        [str(CHECKOV), *files, "--framework", "cloudformation", "--output", "json", "--compact"],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode not in (0, 1):
        pytest.fail(f"checkov exited {completed.returncode}:\n{completed.stderr}")
    report = json.loads(completed.stdout or "{}")
    # One framework gives one report object; checkov prints an empty list when it found nothing to scan.
    if not report:
        pytest.fail(f"checkov scanned nothing in {templates}:\n{completed.stderr}")
    return report


def stack_templates(synthesized: SynthesizedApp) -> list[Path]:
    return sorted(synthesized.nag.assembly_dir.glob("*.template.json"))


def unjustified_skips(templates: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every checkov skip, by template and resource, whose comment is missing or blank."""
    problems = []
    for name, template in templates.items():
        for logical_id, resource in template.get("Resources", {}).items():
            for skip in _skips(resource):
                if not str(skip.get("comment", "")).strip():
                    problems.append(f"{name}: {logical_id} skips {skip.get('id')} without a reason")
    return problems


def _skips(resource: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from resource.get("Metadata", {}).get(CHECKOV_METADATA_KEY, {}).get("skip", [])


@pytest.fixture(scope="module")
def checkov_reports(dev_app: SynthesizedApp, prod_app: SynthesizedApp) -> dict[str, dict[str, Any]]:
    """One checkov run over both environments' templates (its start-up is most of its time), split by
    environment: each report holds the checks of its own templates only."""
    synthesized = {"dev_app": dev_app, "prod_app": prod_app}
    report = run_checkov([template for app in synthesized.values() for template in stack_templates(app)])
    return {name: _report_of(report, stack_templates(app)) for name, app in synthesized.items()}


def _report_of(report: Mapping[str, Any], templates: list[Path]) -> dict[str, Any]:
    names = {template.name for template in templates}

    def own(kind: str) -> list[dict[str, Any]]:
        return [check for check in report["results"][kind] if Path(check["file_path"]).name in names]

    results = {kind: own(kind) for kind in ("passed_checks", "failed_checks", "skipped_checks")}
    return {"summary": {"passed": len(results["passed_checks"])}, "results": results}


@pytest.fixture(params=ENVIRONMENTS)
def checkov_report(
    request: pytest.FixtureRequest, checkov_reports: dict[str, dict[str, Any]]
) -> tuple[SynthesizedApp, dict[str, Any]]:
    synthesized: SynthesizedApp = request.getfixturevalue(request.param)
    return synthesized, checkov_reports[request.param]


def test_checkov_finds_no_failed_check(checkov_report: tuple[SynthesizedApp, dict[str, Any]]) -> None:
    _, report = checkov_report
    summary = report["summary"]
    failed = [
        f"{check['check_id']} {check['check_name']}: {check['resource']} ({Path(check['file_path']).name})"
        for check in report["results"]["failed_checks"]
    ]
    assert summary["passed"] > 0
    assert failed == [], f"{len(failed)} failed checkov checks:\n" + "\n".join(failed)


def test_every_checkov_skip_gives_a_reason(checkov_report: tuple[SynthesizedApp, dict[str, Any]]) -> None:
    synthesized, report = checkov_report
    templates = {path.name: json.loads(path.read_text()) for path in stack_templates(synthesized)}
    assert unjustified_skips(templates) == []
    skipped = report["results"]["skipped_checks"]
    assert skipped, "checkov reported no skipped check: the skips in the templates no longer reach it"
    assert all(check["check_result"].get("suppress_comment", "").strip() for check in skipped)


def test_a_skip_without_a_reason_is_reported() -> None:
    template = {
        "Resources": {
            "Justified": {"Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_117", "comment": "why"}]}}},
            "Blank": {"Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_115", "comment": "  "}]}}},
            "Missing": {"Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_116"}]}}},
        }
    }
    assert unjustified_skips({"T.template.json": template}) == [
        "T.template.json: Blank skips CKV_AWS_115 without a reason",
        "T.template.json: Missing skips CKV_AWS_116 without a reason",
    ]
