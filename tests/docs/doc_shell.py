"""One reader's terminal: a page's shell blocks run in order with ``bash -euo pipefail``, sharing variables.

Each block runs in a fresh bash that first loads the variables earlier blocks set (``declare -p`` into a state
file), so ``BOARD=...`` in one block is ``$BOARD`` in the next, as in one terminal. Three things make a
block fail that a pasting reader would only notice later, if ever:

- a missing command (``uuidgen`` on a stock machine) stops the block, even inside ``$(...)``, where bash
  would go on with an empty string;
- curl answers an HTTP error status with a failure (``--fail-with-body``; the body is still printed), so a
  404 from a doubled slash is a failing block, not a line of JSON nobody reads;
- wscat is not run (it is interactive): the block records the URL it would connect to, and the test replays
  the session the page shows (``wscat_replay``).

The environment is a reader's, not the test's: PATH, the locale and the login name, a HOME of its own, and
no AWS credentials or region, so a command that needs them must say so itself.
"""

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BlockRun", "DocShell"]

_RUNNER = r"""
# The block's variables persist through $DOCS_TEST_STATE; nothing here is part of the page.
__docs_test_known=$(compgen -v)
trap 'exit 127' TERM
command_not_found_handle() {
  printf 'docs-test: %s: command not found\n' "$1" >&2
  kill -TERM "$DOCS_TEST_PID"
  return 127
}
wscat() {
  local url=""
  while [ $# -gt 0 ]; do
    case "$1" in
      -c|--connect) url=$2; shift 2 ;;
      *) printf 'docs-test: the replay knows `wscat -c URL` only, not %s\n' "$1" >&2; return 2 ;;
    esac
  done
  printf '%s\n' "$url" >> "$DOCS_TEST_WSCAT"
}
npx() {
  local arguments=("$@")
  while [ $# -gt 0 ] && [[ "$1" == -* ]]; do shift; done
  if [[ "${1:-}" == wscat || "${1:-}" == wscat@* ]]; then shift; wscat "$@"
  else command npx "${arguments[@]}"; fi
}
__docs_test_save() {
  [ "$?" -eq 0 ] || return 0
  local name
  {
    printf 'cd %q\n' "$PWD"
    for name in $(compgen -v | grep -vxF -f <(printf '%s\n' "$__docs_test_known")); do
      case "$name" in __docs_test*|DOCS_TEST_*|BASH*|FUNCNAME|PIPESTATUS|_) ;; *) declare -p "$name" ;; esac
    done
  } > "$DOCS_TEST_STATE.next"
  mv "$DOCS_TEST_STATE.next" "$DOCS_TEST_STATE"
}
DOCS_TEST_PID=$$
source "$DOCS_TEST_STATE"
trap __docs_test_save EXIT
source "$1"
"""

# The blocks' curl: the same curl, with HTTP error answers made failures (see the module docstring).
_CURL = """#!/bin/sh
exec {curl} --fail-with-body --show-error "$@"
"""

_KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "USER", "LOGNAME", "SHELL", "TMPDIR", "PYENV_ROOT")


@dataclass(frozen=True)
class BlockRun:
    returncode: int
    stdout: str
    stderr: str
    # The URLs the block's wscat commands would have connected to.
    wscat_urls: tuple[str, ...]


class DocShell:
    """A terminal in ``work_tree`` whose scratch files (state, shims, HOME) live under ``scratch``."""

    def __init__(self, work_tree: Path, scratch: Path, *, curl: str) -> None:
        self.work_tree = work_tree
        scratch.mkdir(parents=True, exist_ok=True)
        self._runner = scratch / "runner.sh"
        self._runner.write_text(_RUNNER)
        self._block = scratch / "block.sh"
        self._wscat = scratch / "wscat-urls"
        state = scratch / "state.sh"
        state.write_text(f"cd {work_tree}\n")
        shims = scratch / "bin"
        shims.mkdir(exist_ok=True)
        (shims / "curl").write_text(_CURL.format(curl=curl))
        (shims / "curl").chmod(0o755)
        home = scratch / "home"
        home.mkdir(exist_ok=True)
        self.environment = _reader_environment(home, shims)
        self.environment.update(DOCS_TEST_STATE=str(state), DOCS_TEST_WSCAT=str(self._wscat))

    def run(self, text: str, *, timeout: float) -> BlockRun:
        """Runs ``text`` as one pasted block; its variables are kept only if it succeeds."""
        self._block.write_text(text)
        self._wscat.write_text("")
        with subprocess.Popen(
            ["/bin/bash", "--noprofile", "--norc", "-euo", "pipefail", str(self._runner), str(self._block)],
            cwd=self.work_tree,
            env=self.environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        ) as process:
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                stdout, stderr = process.communicate()
                stderr += f"\ndocs-test: the block did not finish within {timeout:.0f} s"
        urls = tuple(line for line in self._wscat.read_text().splitlines() if line)
        return BlockRun(process.returncode, stdout, stderr, urls)

    def value_of(self, variable: str) -> str:
        """A variable as the blocks so far have left it (empty if unset)."""
        shown = self.run(f'printf "%s" "${{{variable}:-}}"', timeout=30)
        assert shown.returncode == 0, shown.stderr
        return shown.stdout


def _reader_environment(home: Path, shims: Path) -> dict[str, str]:
    environment = {name: os.environ[name] for name in _KEPT_VARIABLES if name in os.environ}
    real_pyenv = Path.home() / ".pyenv"
    if "PYENV_ROOT" not in environment and real_pyenv.is_dir():
        # pyenv's shims find their versions through PYENV_ROOT, which defaults to the HOME this replaces.
        environment["PYENV_ROOT"] = str(real_pyenv)
    environment.update(HOME=str(home), PATH=f"{shims}{os.pathsep}{environment.get('PATH', os.defpath)}")
    return environment
