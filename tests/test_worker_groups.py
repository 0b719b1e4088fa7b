"""The order in which make test's workers get their groups: the builds first, then the longest groups."""

from tests.worker_groups import BUILD_GROUPS, schedule_order

E2E_CLOUD = BUILD_GROUPS["local_cloud"]
SYNTHS = BUILD_GROUPS["dev_app"]


def _groups(*nodeids_and_groups: tuple[str, str]) -> dict[str, str]:
    return dict(nodeids_and_groups)


def test_the_builds_go_first_in_their_order_however_short_they_were() -> None:
    groups = _groups(
        ("tests/unit/test_a.py::t", "tests/unit/test_a.py"),
        ("tests/infra/test_api.py::t", SYNTHS),
        ("tests/e2e/test_flow.py::t", E2E_CLOUD),
    )

    order = schedule_order(groups, {"tests/unit/test_a.py": 99.0, "tests/e2e/test_flow.py": 1.0})

    assert sorted(set(groups.values()), key=order.__getitem__) == [E2E_CLOUD, SYNTHS, "tests/unit/test_a.py"]


def test_then_the_longest_groups_of_the_last_run_and_the_unknown_ones_in_collection_order() -> None:
    groups = _groups(
        ("tests/unit/test_short.py::t", "tests/unit/test_short.py"),
        ("tests/unit/test_new.py::t", "tests/unit/test_new.py"),
        ("local_cloud/tests/test_slow.py::t1", "local_cloud/tests/test_slow.py"),
        ("local_cloud/tests/test_slow.py::t2", "local_cloud/tests/test_slow.py"),
        ("tests/unit/test_newer.py::t", "tests/unit/test_newer.py"),
    )
    last_run = {"tests/unit/test_short.py": 0.4, "local_cloud/tests/test_slow.py": 17.9}

    order = schedule_order(groups, last_run)

    assert sorted(set(groups.values()), key=order.__getitem__) == [
        "local_cloud/tests/test_slow.py",
        "tests/unit/test_short.py",
        "tests/unit/test_new.py",
        "tests/unit/test_newer.py",
    ]


def test_without_a_last_run_the_groups_keep_collection_order() -> None:
    groups = _groups(("b.py::t", "b.py"), ("a.py::t", "a.py"), ("c.py::t", "c.py"))

    order = schedule_order(groups, {})

    assert sorted(set(groups.values()), key=order.__getitem__) == ["b.py", "a.py", "c.py"]
