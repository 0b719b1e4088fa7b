"""`cdk-local serve --app`: the synth runs through the project's CLI, and is skipped when nothing changed.

A stand-in CLI records each call and writes a manifest, so these tests need neither Node nor a CDK app.
"""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cdk_local_cloud.serve.app_synth import AppSynthError, find_cdk_cli, synthesize_app

_RECORDING_CLI = """#!{python}
import json, pathlib, sys
arguments = sys.argv[1:]
with open({calls!r}, "a") as calls:
    calls.write(json.dumps(arguments) + "\\n")
if "--fail" in open("app.py").read():
    sys.exit(3)
output = pathlib.Path(arguments[arguments.index("--output") + 1])
output.mkdir(parents=True, exist_ok=True)
(output / "manifest.json").write_text("{{}}")
"""


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.py").write_text("print('synth')\n")
    (app / "cdk.json").write_text('{"app": "python app.py"}\n')
    return app


@pytest.fixture
def recording_cli(tmp_path: Path) -> tuple[list[str], Path]:
    calls = tmp_path / "calls.jsonl"
    cli = tmp_path / "cdk"
    cli.write_text(_RECORDING_CLI.format(python=sys.executable, calls=str(calls)))
    cli.chmod(cli.stat().st_mode | stat.S_IXUSR)
    return [str(cli)], calls


def _synth(app_dir: Path, cli: list[str], **options: object) -> bool:
    return synthesize_app(
        "python app.py", cdk_out=app_dir / ".cdk-local" / "cdk.out", app_dir=app_dir, cdk_cli=cli, **options
    ).reused


def _calls(calls: Path) -> list[list[str]]:
    return [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []


def test_the_first_serve_synthesizes_unstaged_with_the_context(
    app_dir: Path, recording_cli: tuple[list[str], Path]
) -> None:
    cli, calls = recording_cli

    reused = _synth(app_dir, cli, context=["env=dev"])

    assert not reused
    (call,) = _calls(calls)
    assert call[:3] == ["synth", "--quiet", "--no-staging"]
    assert call[call.index("--app") + 1] == "python app.py"
    assert call[call.index("--context") + 1] == "env=dev"


def test_a_restart_with_nothing_changed_reuses_the_assembly(
    app_dir: Path, recording_cli: tuple[list[str], Path]
) -> None:
    cli, calls = recording_cli
    _synth(app_dir, cli)

    assert _synth(app_dir, cli)
    assert len(_calls(calls)) == 1


@pytest.mark.parametrize(
    "change",
    ["edit a source", "add a source", "edit cdk.context.json", "other context"],
)
def test_a_changed_source_or_context_synthesizes_again(
    change: str, app_dir: Path, recording_cli: tuple[list[str], Path]
) -> None:
    cli, calls = recording_cli
    _synth(app_dir, cli, context=["env=dev"])
    context = ["env=dev"]
    if change == "edit a source":
        (app_dir / "app.py").write_text("print('synth, changed')\n")
    elif change == "add a source":
        (app_dir / "stacks.py").write_text("STACKS = []\n")
    elif change == "edit cdk.context.json":
        (app_dir / "cdk.context.json").write_text('{"availability-zones": []}\n')
    else:
        context = ["env=prod"]

    assert not _synth(app_dir, cli, context=context)
    assert len(_calls(calls)) == 2


def test_in_a_git_work_tree_ignored_files_are_not_sources(
    app_dir: Path, recording_cli: tuple[list[str], Path]
) -> None:
    cli, calls = recording_cli
    subprocess.run(["git", "init", "-q", str(app_dir)], check=True)  # noqa: S607
    (app_dir / ".gitignore").write_text("cdk-outputs*.json\n.state/\n")
    _synth(app_dir, cli)
    (app_dir / "cdk-outputs.local.json").write_text("{}")
    (app_dir / ".state").mkdir()
    (app_dir / ".state" / "tables.json").write_text("{}")

    assert _synth(app_dir, cli)
    (app_dir / "app.py").write_text("print('synth, changed')\n")
    assert not _synth(app_dir, cli)
    assert len(_calls(calls)) == 2


def test_a_failed_synth_is_an_error_that_names_the_command_and_is_not_reused(
    app_dir: Path, recording_cli: tuple[list[str], Path]
) -> None:
    cli, calls = recording_cli
    _synth(app_dir, cli)
    (app_dir / "app.py").write_text("--fail\n")

    with pytest.raises(AppSynthError, match=r"the synth failed \(exit 3\): .*synth --quiet --no-staging"):
        _synth(app_dir, cli)
    with pytest.raises(AppSynthError):
        _synth(app_dir, cli)
    assert len(_calls(calls)) == 3


def test_the_project_s_pinned_cli_comes_before_one_on_the_path(app_dir: Path) -> None:
    pinned = app_dir / "node_modules" / ".bin" / "cdk"
    pinned.parent.mkdir(parents=True)
    pinned.write_text("#!/bin/sh\n")

    assert find_cdk_cli(app_dir) == [str(pinned)]


def test_no_cli_at_all_says_how_to_get_one(app_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.devnull)

    with pytest.raises(AppSynthError, match=r"no CDK CLI found: install .*or pass --cdk PATH"):
        find_cdk_cli(app_dir)
