"""Which tests share a pytest-xdist worker, so that what they share is built once per run.

Some fixtures take many seconds to build and serve tests in many modules: a synthesized app, a local cloud.
pytest-xdist builds a session fixture once in each worker that uses it, so tests spread over workers build
it again on each. Under ``--dist loadgroup`` (as ``make test`` runs) this plugin puts every test that uses
one of those fixtures in that build's group, and every other test in its module's group (so module fixtures
are built once too); each group goes whole to one worker, the build groups first, as they take longest.
A test that gets a build with ``request.getfixturevalue`` is found when a parameter names the fixture, or
when another test of its module uses the build: the whole module then joins that build's group.

The first groups go one to a worker, so with two workers or more the e2e and the docs local clouds never
share a process. They must not: moto's state is per process, and both are session-scoped in practice (their
``package`` scope falls back to the session, as tests/e2e and tests/docs are not packages), so in one process
the second cloud finds the first one's tables. A run in one process (``WORKERS=0``) has that problem today.

After the build groups, the longest groups of the previous run go first (each module group's tests' time,
kept in pytest's cache by the controller): a group that takes many seconds and comes last keeps one worker
busy while the others have nothing left, so the longest first leaves short ones to even out the end (the
"longest processing time first" rule). Without a previous run (a fresh clone) they keep collection order.

pytest-xdist's own ``loadgroup`` passes a test's group to the controller by appending it to the node id, a
write that pytest 9.2 ignores (pytest-xdist issue #1386), so its ``xdist_group`` marks silently do nothing;
and a changed node id would also hide parametrized tests from syrupy's unused-snapshot check. Here the
workers, which collect the tests and know each one's fixtures, write each test's group to a file, and the
controller schedules with pytest-xdist's ``LoadScopeScheduling`` (a scope goes whole to one worker), reading
the scopes from that file. ``xdist_group`` marks are honoured the same way. Registered by tests/conftest.py.
"""

import json
import os
import tempfile
from pathlib import Path

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

__all__ = [
    "BUILD_GROUPS",
    "DURATIONS_KEY",
    "WorkerGroupScheduling",
    "pytest_collection_modifyitems",
    "pytest_configure_node",
    "pytest_runtest_logreport",
    "pytest_sessionfinish",
    "pytest_unconfigure",
    "pytest_xdist_make_scheduler",
    "schedule_order",
]

# A fixture that takes seconds to build, and the group of the tests that use it, first match winning; the
# groups are scheduled in this order, ahead of the modules.
BUILD_GROUPS = {
    "local_cloud": "e2e local cloud",
    "docs_cloud": "docs local cloud",
    "dev_app": "dev and prod synth",
    "prod_app": "dev and prod synth",
    "unstaged_dev_assembly": "unstaged dev synth",
    # Not shared, but the longest set-up of all (a fresh venv, pip installs, a synth): started early, it no
    # longer ends the run alone on one worker.
    "serving_example": "fresh install of the local cloud",
}
_GROUPS_DIR = "worker_groups_dir"
# pytest's cache key for how long each module's tests took in the last run (seconds).
DURATIONS_KEY = "worker_groups/module_seconds"
_groups_dir_key = pytest.StashKey[tempfile.TemporaryDirectory[str]]()


class WorkerGroupScheduling(LoadScopeScheduling):
    """pytest-xdist's scope scheduling, with each test's scope as a worker wrote it (its group)."""

    def __init__(self, config: pytest.Config, log: Producer, groups_dir: Path) -> None:
        super().__init__(config, log)
        self._groups_dir = groups_dir
        self._scopes: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        # Called only once every worker has collected, so the files are there; a test missing from them
        # (none should be) runs alone, as under --dist load.
        if self._scopes is None:
            self._scopes = _read_scopes(self._groups_dir)
        return self._scopes.get(nodeid, nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> LoadScopeScheduling | None:
    """Schedule ``--dist loadgroup`` runs by these groups; any other mode stays pytest-xdist's own."""
    if config.getvalue("dist") != "loadgroup":
        return None
    # The workers order the tests (build groups first); sorting scopes by size would undo that.
    config.option.loadscopereorder = False
    return WorkerGroupScheduling(config, log, _groups_dir(config))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: WorkerController) -> None:
    """Tell each worker where to write the groups (runs on the controller, before the worker starts)."""
    if node.config.getvalue("dist") == "loadgroup":
        node.workerinput[_GROUPS_DIR] = str(_groups_dir(node.config))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a worker: put the build groups' tests first and write every test's group for the controller."""
    groups_dir = getattr(config, "workerinput", {}).get(_GROUPS_DIR)
    if groups_dir is None:
        return
    groups = _groups_of(items)
    module_seconds = config.cache.get(DURATIONS_KEY, {}) if config.cache is not None else {}
    order = schedule_order(groups, module_seconds)
    items.sort(key=lambda item: order[groups[item.nodeid]])
    written = Path(groups_dir, f"{config.workerinput['workerid']}.json")
    partial = written.with_suffix(".partial")
    partial.write_text(json.dumps(groups), encoding="utf-8")
    os.replace(partial, written)


def schedule_order(groups: dict[str, str], module_seconds: dict[str, float]) -> dict[str, int]:
    """Each group's place: the build groups in BUILD_GROUPS' order, then the others, longest first by
    ``module_seconds`` (a group's modules' seconds added up), ties and unknown ones in collection order."""
    builds = list(dict.fromkeys(BUILD_GROUPS.values()))
    seconds = {
        group: sum(float(module_seconds.get(module, 0.0)) for module in modules)
        for group, modules in _modules_of(groups).items()
    }
    collected = list(dict.fromkeys(groups.values()))
    others = sorted(
        (group for group in collected if group not in builds),
        key=lambda group: (-seconds[group], collected.index(group)),
    )
    return {group: place for place, group in enumerate([*builds, *others])}


def _modules_of(groups: dict[str, str]) -> dict[str, set[str]]:
    modules: dict[str, set[str]] = {}
    for nodeid, group in groups.items():
        modules.setdefault(group, set()).add(_module(nodeid))
    return modules


@pytest.hookimpl(optionalhook=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """On the controller (which gets every worker's reports): add up each module's time."""
    _module_seconds[_module(report.nodeid)] = (
        _module_seconds.get(_module(report.nodeid), 0.0) + report.duration
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On the controller of a distributed run: keep this run's module times for the next one's order."""
    config = session.config
    if hasattr(config, "workerinput") or config.getvalue("dist") != "loadgroup" or config.cache is None:
        return
    if _module_seconds:
        config.cache.set(
            DURATIONS_KEY, {module: round(value, 2) for module, value in _module_seconds.items()}
        )


_module_seconds: dict[str, float] = {}


def pytest_unconfigure(config: pytest.Config) -> None:
    if _groups_dir_key in config.stash:
        config.stash[_groups_dir_key].cleanup()


def _groups_of(items: list[pytest.Item]) -> dict[str, str]:
    """Each test's group: its mark's, else its build's, else its module's (or the build its module uses)."""
    own = {item.nodeid: _own_group(item) for item in items}
    build_of_module: dict[str, str] = {}
    for nodeid, group in own.items():
        if group is not None:
            build_of_module.setdefault(_module(nodeid), group)
    return {
        nodeid: group or build_of_module.get(_module(nodeid), _module(nodeid))
        for nodeid, group in own.items()
    }


def _own_group(item: pytest.Item) -> str | None:
    marked = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    if marked:
        return "_".join(sorted(marked))
    # A parameter that names a fixture counts as using it: such tests call request.getfixturevalue(name).
    parameters = getattr(item, "callspec", None)
    named = {value for value in parameters.params.values() if isinstance(value, str)} if parameters else set()
    used = [group for fixture, group in BUILD_GROUPS.items() if fixture in {*item.fixturenames, *named}]
    return used[0] if used else None


def _module(nodeid: str) -> str:
    return nodeid.split("::", maxsplit=1)[0]


def _groups_dir(config: pytest.Config) -> Path:
    if _groups_dir_key not in config.stash:
        config.stash[_groups_dir_key] = tempfile.TemporaryDirectory(prefix="pytest-worker-groups-")
    return Path(config.stash[_groups_dir_key].name)


def _read_scopes(groups_dir: Path) -> dict[str, str]:
    # Every worker collected the same tests (pytest-xdist checks), so any one file has all of them.
    written = sorted(groups_dir.glob("*.json"))
    return json.loads(written[0].read_text(encoding="utf-8")) if written else {}
