"""Synthesize the Corkboard app once per test session, with both cdk-nag packs, and share the result."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from serverless_blocks.testing import NagReport, synthesize_with_nag
from stacks.config import load_environment
from stacks.corkboard_app import CorkboardStacks, add_corkboard

ROOT = Path(__file__).resolve().parents[2]


def cdk_context() -> dict[str, Any]:
    """The context `cdk synth` would use: cdk.json's feature flags and environments."""
    return json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]


@dataclass(frozen=True)
class SynthesizedApp:
    app: App
    stacks: CorkboardStacks
    nag: NagReport

    def template(self, stack_name: str) -> dict[str, Any]:
        return self.nag.template(getattr(self.stacks, stack_name))


def corkboard_app(
    name: str, outdir: Path, extra_context: Mapping[str, Any] | None = None
) -> tuple[App, CorkboardStacks]:
    """The app `cdk synth -c env=NAME` would build, unsynthesized; ``extra_context`` is more ``-c`` flags."""
    context = cdk_context()
    app = App(outdir=str(outdir), context={**context, **(extra_context or {}), "env": name})
    return app, add_corkboard(app, load_environment(context["environments"], name))


def synthesize_environment(name: str, outdir: Path) -> SynthesizedApp:
    """Synthesize environment `name` the way `cdk synth -c env=NAME` would, with both cdk-nag packs."""
    app, stacks = corkboard_app(name, outdir)
    return SynthesizedApp(app=app, stacks=stacks, nag=synthesize_with_nag(app))


@pytest.fixture(scope="session")
def dev_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synthesize_environment("dev", tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def prod_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synthesize_environment("prod", tmp_path_factory.mktemp("cdk.out.prod"))


@pytest.fixture(scope="session")
def data_template(dev_app: SynthesizedApp) -> Template:
    return Template.from_json(dev_app.template("data"))


@pytest.fixture(scope="session")
def api_template(dev_app: SynthesizedApp) -> Template:
    return Template.from_json(dev_app.template("api"))


@pytest.fixture(scope="session")
def realtime_template(dev_app: SynthesizedApp) -> Template:
    return Template.from_json(dev_app.template("realtime"))
