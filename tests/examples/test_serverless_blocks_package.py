"""What ``pip install`` of this repository gives another team: serverless_blocks and what it needs.

The package is declared in pyproject.toml ([project]); these checks catch the two ways it breaks
without anyone noticing here: a pin in requirements.txt that the declared range would refuse, and an
import in serverless_blocks of something the declared dependencies don't bring along.
"""

import ast
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


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def declared(pyproject: dict[str, Any]) -> dict[str, Requirement]:
    requirements = (Requirement(text) for text in pyproject["project"]["dependencies"])
    return {canonicalize_name(requirement.name): requirement for requirement in requirements}


def test_only_serverless_blocks_is_packaged(pyproject: dict[str, Any]) -> None:
    assert pyproject["project"]["name"] == "serverless-blocks"
    assert pyproject["tool"]["setuptools"]["packages"] == [PACKAGE]
    assert (ROOT / pyproject["project"]["readme"]).is_file()


def test_the_app_pins_satisfy_the_declared_ranges(declared: dict[str, Requirement]) -> None:
    pins = {
        canonicalize_name(requirement.name): requirement
        for requirement in _requirements(ROOT / "requirements.txt")
        if canonicalize_name(requirement.name) in declared
    }

    assert set(pins) == set(declared), "every runtime dependency of the package is pinned for the app"
    for name, pin in pins.items():
        (exact,) = pin.specifier
        assert declared[name].specifier.contains(exact.version), f"{pin} is outside {declared[name]}"


def test_every_import_of_the_package_comes_with_its_dependencies(declared: dict[str, Requirement]) -> None:
    provided = _with_dependencies(declared)
    distributions = metadata.packages_distributions()

    missing = {
        module: distributions.get(module, ["(not installed)"])
        for module in _third_party_imports(ROOT / PACKAGE)
        if not {canonicalize_name(name) for name in distributions.get(module, [])} & provided
    }

    assert not missing, f"{PACKAGE} imports modules that its declared dependencies don't provide: {missing}"


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


def _third_party_imports(package: Path) -> set[str]:
    modules: set[str] = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {PACKAGE}
