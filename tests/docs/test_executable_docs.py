"""The docs run as tests: every shell block of the pages a newcomer follows, in order, against a local cloud.

Each page runs as one reader's terminal (``doc_shell``): blocks in reading order, variables carried from block
to block, in a linked work tree whose ``cdk-outputs.local.json`` is this test's cloud. A block fails on a
non-zero exit, a missing command, an HTTP error answer, a traceback, or output other than its ``expect``
marker says. A wscat session is replayed with a real WebSocket client (``wscat_replay``). A block that cannot
run here (a deployment, `make local` itself) carries ``<!-- docs-test: skip reason="..." -->`` and is
reported as skipped with that reason. How to mark a page: ``markdown_blocks``.
"""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from cdk_local_cloud.local_cloud import LocalCloud
from cdk_local_cloud.serve.cli import token_command_for
from cdk_local_cloud.serve.quickstart import quickstart_text
from tests.docs.conftest import OUTPUTS_FILE
from tests.docs.doc_shell import BlockRun, DocShell
from tests.docs.markdown_blocks import DocBlock, MarkerError, doc_blocks
from tests.docs.wscat_replay import TranscriptError, parse_transcript, replay
from tests.work_tree import ROOT

# What `make local` tells the banner to show (the Makefile's --token-command), and what any other app's shows.
MAKE_TOKEN_COMMAND = "make -s token NAME=alice"
QUICKSTART_TOKEN_COMMANDS = {
    "make local": MAKE_TOKEN_COMMAND,
    "cdk-local": token_command_for(Path(OUTPUTS_FILE)),
}
# The local cloud's README shows another app in a fresh venv: tests/examples/test_local_cloud_install.py
# runs it.
PAGES = ("README.md", "docs/api.md", "docs/realtime.md")
# Generous: a block may sign in (a Python start-up), upload, and wait for the uploads function.
BLOCK_TIMEOUT_SECONDS = 300
_LOG_LINES_SHOWN = 30
_SIGNS_OF_TROUBLE = ("Traceback (most recent call last)", "command not found", "docs-test:")


class DocBlockError(AssertionError):
    """A page's block did not run as the page shows; the message has the block and what it printed."""


def run_page(page: Path, shell: DocShell) -> None:
    for block in doc_blocks(page):
        if not block.skip_reason:
            run_block(block, shell)


def run_block(block: DocBlock, shell: DocShell) -> None:
    ran = shell.run(block.text, timeout=BLOCK_TIMEOUT_SECONDS)
    problem = _problem(block, ran)
    if problem:
        printed = f"--- block\n{block.text}--- stdout\n{ran.stdout}\n--- stderr\n{ran.stderr}"
        raise DocBlockError(f"{block.where}: {problem}\n{printed}")
    if block.transcript is not None:
        _replay_session(block, ran, shell)


def _problem(block: DocBlock, ran: BlockRun) -> str | None:
    if ran.returncode != 0:
        return f"exit status {ran.returncode}"
    trouble = [sign for sign in _SIGNS_OF_TROUBLE if sign in ran.stderr]
    if trouble:
        return f"its output shows {trouble}"
    if block.expected_output and not re.search(block.expected_output, ran.stdout, re.MULTILINE):
        return f"its output does not match {block.expected_output!r}"
    if block.transcript is not None and len(ran.wscat_urls) != 1:
        return f"a block with a wscat session runs wscat once, not {len(ran.wscat_urls)} times"
    return None


def _replay_session(block: DocBlock, ran: BlockRun, shell: DocShell) -> None:
    assert block.transcript is not None
    values = {example: shell.value_of(variable) for variable, example in block.transcript_values.items()}

    def in_another_terminal(command: str) -> None:
        run_block(DocBlock(block.page, block.line, command + "\n"), shell)

    try:
        replay(
            ran.wscat_urls[0],
            parse_transcript(block.transcript),
            values=values,
            run_shell=in_another_terminal,
        )
    except TranscriptError as error:
        raise DocBlockError(f"{block.where}: the wscat session differs from the page: {error}") from None


def _shell(work_tree: Path, scratch: Path) -> DocShell:
    curl = shutil.which("curl")
    assert curl, "the docs use curl: install it (apt-get install curl)"
    return DocShell(work_tree, scratch, curl=curl)


def _skipped_blocks() -> list[DocBlock]:
    """Collected when the module loads; a page whose markers do not parse is the marker test's failure."""
    try:
        return [block for page in PAGES for block in doc_blocks(ROOT / page) if block.skip_reason]
    except MarkerError:
        return []


# --- the pages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_shell_block_of_the_page_runs_as_pasted(
    page: str, docs_work_tree: Path, docs_function_logs: list[str], tmp_path: Path
) -> None:
    logged_before = len(docs_function_logs)
    try:
        run_page(ROOT / page, _shell(docs_work_tree, tmp_path))
    except DocBlockError as error:
        logged = "\n".join(docs_function_logs[logged_before:][-_LOG_LINES_SHOWN:])
        raise DocBlockError(f"{error}\n--- the functions' last log lines\n{logged}") from None


@pytest.mark.parametrize("block", _skipped_blocks(), ids=lambda block: block.where)
def test_a_block_that_cannot_run_here_is_skipped_with_its_reason(block: DocBlock) -> None:
    pytest.skip(f"{block.where}: {block.skip_reason}")


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_markers_are_valid_and_most_blocks_run(page: str) -> None:
    blocks = doc_blocks(ROOT / page)

    assert blocks, f"{page} has no shell block"
    assert [block for block in blocks if not block.skip_reason], f"every block of {page} is skipped"


def test_make_local_shows_the_make_token_command() -> None:
    assert f'--token-command "{MAKE_TOKEN_COMMAND}"' in (ROOT / "Makefile").read_text()


@pytest.mark.parametrize("started_by", QUICKSTART_TOKEN_COMMANDS)
def test_the_quickstart_that_the_local_cloud_prints_runs_as_pasted(
    started_by: str, docs_cloud: LocalCloud, docs_work_tree: Path, tmp_path: Path
) -> None:
    banner = quickstart_text(
        docs_cloud.deployment,
        docs_cloud.apis,
        outputs_file=Path(OUTPUTS_FILE),
        token_command=QUICKSTART_TOKEN_COMMANDS[started_by],
    )
    commands = banner.split("Quickstart:\n", 1)[1].strip().splitlines()
    if not shutil.which("aws"):
        commands = [command for command in commands if " aws " not in command]
        assert len(commands) == 3, banner
    session = 'Connected (press CTRL+C to quit)\n> {"action":"ping"}\n< {"type":"pong"}\n'

    shell = _shell(docs_work_tree, tmp_path)
    # A team that installed the local cloud has `cdk-local` on its PATH, as this venv has.
    shell.environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{shell.environment['PATH']}"
    run_block(DocBlock(Path("quickstart"), 1, "\n".join(commands) + "\n", transcript=session), shell)

    if not shutil.which("aws"):
        pytest.skip("the quickstart's `aws ... list-tables` line needs the AWS CLI, which is not installed")


# --- the harness fails a page that does not work --------------------------------------------------------


def _page(tmp_path: Path, markdown: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(markdown)
    return page


_SETUP = """```bash
API=$(jq -r '."Corkboard-dev-Api".RestApiUrl' cdk-outputs.local.json)
TOKEN=$(make -s token NAME=harness)
```
"""


def test_a_doubled_slash_fails_the_page(docs_work_tree: Path, tmp_path: Path) -> None:
    """RestApiUrl ends in '/', so "$API/boards" is /v1//boards: 404 route_not_found, which curl -s hides."""
    page = _page(tmp_path, _SETUP + '```bash\ncurl -s -H "Authorization: $TOKEN" "$API/boards"\n```\n')

    with pytest.raises(DocBlockError, match="route_not_found"):
        run_page(page, _shell(docs_work_tree, tmp_path / "shell"))


def test_a_missing_command_fails_the_page_even_inside_an_argument(
    docs_work_tree: Path, tmp_path: Path
) -> None:
    """Without the check, curl would run with an empty Idempotency-Key and the page would pass."""
    page = _page(
        tmp_path,
        _SETUP + '```bash\ncurl -s "${API}health" -H "Idempotency-Key: $(no-such-uuidgen)"\n```\n',
    )

    with pytest.raises(DocBlockError, match="no-such-uuidgen: command not found"):
        run_page(page, _shell(docs_work_tree, tmp_path / "shell"))


def test_variables_carry_from_block_to_block(docs_work_tree: Path, tmp_path: Path) -> None:
    page = _page(
        tmp_path,
        _SETUP
        + '```bash\nME=$(curl -s -H "Authorization: $TOKEN" "${API}me" | jq -r .userId)\n```\n'
        + '<!-- docs-test: expect output="^[0-9a-f-]{36}$" -->\n```bash\necho "$ME"\n```\n',
    )

    run_page(page, _shell(docs_work_tree, tmp_path / "shell"))


def test_a_session_that_differs_from_the_server_fails_the_page(docs_work_tree: Path, tmp_path: Path) -> None:
    session = '```\nConnected (press CTRL+C to quit)\n> {"action":"ping"}\n< {"type":"ping"}\n```\n'
    page = _page(
        tmp_path,
        _SETUP
        + "```bash\nWS=$(jq -r '.\"Corkboard-dev-Realtime\".WebSocketUrl' cdk-outputs.local.json)\n"
        + 'npx wscat -c "$WS?token=$TOKEN"\n```\n'
        + session,
    )

    with pytest.raises(DocBlockError, match=r'received\n  \{"type":"pong"\}'):
        run_page(page, _shell(docs_work_tree, tmp_path / "shell"))


# --- markers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("<!-- docs-test: skip -->\n```bash\nmake deploy\n```\n", "skip marker takes exactly"),
        ('<!-- docs-test: skip reason="" -->\n```bash\nmake deploy\n```\n', "skip marker takes exactly"),
        ('<!-- docs-test: ignore reason="x" -->\n```bash\nmake deploy\n```\n', "unknown marker kind"),
        ('<!-- docs-test: skip reason="x" -->\n\nSome text.\n\n```bash\nmake deploy\n```\n', "right before"),
        ('```bash\nnpx wscat -c "$WS"\n```\n\nNo session follows.\n', "must be followed by its session"),
    ],
)
def test_a_marker_the_harness_cannot_follow_is_an_error(tmp_path: Path, markdown: str, message: str) -> None:
    with pytest.raises(MarkerError, match=message):
        doc_blocks(_page(tmp_path, markdown))


def test_markers_shape_the_blocks(tmp_path: Path) -> None:
    page = _page(
        tmp_path,
        '<!-- docs-test: skip reason="needs an AWS account" -->\n```bash\nmake deploy ENV=dev\n```\n\n'
        "Text.\n\n"
        '<!-- docs-test: expect output="^204$" -->\n'
        '```sh\ncurl -s -o /dev/null -w "%{http_code}" "$URL"\n```\n\n'
        '```json\n{"not": "shell"}\n```\n\n'
        '```bash\nwscat -c "$WS?token=$TOKEN"\n```\n'
        '<!-- docs-test: transcript BOARD="01JBOARD0000000000000000AA" -->\n'
        "```\nConnected (press CTRL+C to quit)\n```\n",
    )

    deploy, status, session = doc_blocks(page)

    assert (deploy.skip_reason, deploy.line) == ("needs an AWS account", 2)
    assert status.expected_output == "^204$"
    assert session.transcript == "Connected (press CTRL+C to quit)\n"
    assert session.transcript_values == {"BOARD": "01JBOARD0000000000000000AA"}
