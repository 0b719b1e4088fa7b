"""What ``pip install`` of this repository gives another team: serverless_blocks and what it needs.

The package is declared in pyproject.toml ([project]); these checks catch the two ways it breaks
without anyone noticing here: a pin in requirements.txt that the declared range would refuse, and an
import in serverless_blocks of something the declared dependencies don't bring along. The testing
helpers (``serverless_blocks.testing``) may also use the ``testing`` extra; the constructs may not.
"""

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "serverless_blocks"
TESTING_MODULE = "testing.py"
TESTING_EXTRA = "testing"


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def declared(pyproject: dict[str, Any]) -> dict[str, Requirement]:
    return _by_name(pyproject["project"]["dependencies"])


@pytest.fixture(scope="module")
def testing_extra(pyproject: dict[str, Any]) -> dict[str, Requirement]:
    return _by_name(pyproject["project"]["optional-dependencies"][TESTING_EXTRA])


def test_only_serverless_blocks_is_packaged(pyproject: dict[str, Any]) -> None:
    assert pyproject["project"]["name"] == "serverless-blocks"
    assert pyproject["tool"]["setuptools"]["packages"] == [PACKAGE]
    assert (ROOT / pyproject["project"]["readme"]).is_file()


@pytest.mark.parametrize("part", ["dependencies", "testing extra"])
def test_the_app_pins_satisfy_the_declared_ranges(
    part: str, declared: dict[str, Requirement], testing_extra: dict[str, Requirement]
) -> None:
    ranges = declared if part == "dependencies" else testing_extra
    pins = {
        canonicalize_name(requirement.name): requirement
        for requirement in _requirements(ROOT / "requirements.txt")
        if canonicalize_name(requirement.name) in ranges
    }

    assert set(pins) == set(ranges), f"every requirement of the package's {part} is pinned for the app"
    for name, pin in pins.items():
        (exact,) = pin.specifier
        assert ranges[name].specifier.contains(exact.version), f"{pin} is outside {ranges[name]}"


def test_every_import_of_the_constructs_comes_with_the_dependencies(declared: dict[str, Requirement]) -> None:
    constructs = [source for source in (ROOT / PACKAGE).glob("*.py") if source.name != TESTING_MODULE]

    missing = _not_provided(_third_party_imports(constructs), _with_dependencies(declared))

    assert not missing, f"{PACKAGE} imports modules that its declared dependencies don't provide: {missing}"


def test_every_import_of_the_testing_helpers_comes_with_the_testing_extra(
    declared: dict[str, Requirement], testing_extra: dict[str, Requirement]
) -> None:
    provided = _with_dependencies({**declared, **testing_extra})

    missing = _not_provided(_third_party_imports([ROOT / PACKAGE / TESTING_MODULE]), provided)

    assert not missing, f"{PACKAGE}.testing imports modules its testing extra doesn't provide: {missing}"


def test_importing_the_constructs_imports_neither_the_testing_helpers_nor_cdk_nag() -> None:
    probe = (
        "import sys, serverless_blocks; "
        "print(sorted(m for m in sys.modules if m == 'cdk_nag' or m == 'serverless_blocks.testing'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )

    assert result.stdout.strip() == "[]"


def _by_name(texts: Iterable[str]) -> dict[str, Requirement]:
    requirements = (Requirement(text) for text in texts)
    return {canonicalize_name(requirement.name): requirement for requirement in requirements}


def _not_provided(modules: Iterable[str], provided: set[str]) -> dict[str, list[str]]:
    distributions = metadata.packages_distributions()
    return {
        module: distributions.get(module, ["(not installed)"])
        for module in modules
        if not {canonicalize_name(name) for name in distributions.get(module, [])} & provided
    }


def _requirements(path: Path) -> Iterable[Requirement]:
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text and not text.startswith("-"):
            yield Requirement(text)


def _with_dependencies(declared: dict[str, Requirement]) -> set[str]:
    """The declared distributions and everything they require, as installed here."""
    seen: set[str] = set()
    pending = list(declared)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(canonicalize_name(requirement.name))
    return seen


def _third_party_imports(sources: Iterable[Path]) -> set[str]:
    modules: set[str] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {PACKAGE}
