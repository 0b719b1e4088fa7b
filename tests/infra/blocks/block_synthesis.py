"""Synthesize one construct alone in a bare stack, once, and keep everything its tests look at.

Each test module builds its construct variants in module-scoped fixtures through :func:`synthesize`,
so a module pays for one synthesis per variant however many assertions it makes.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from constructs import IConstruct

from serverless_blocks.testing import NagFinding, synthesize_with_nag

__all__ = ["STACK_NAME", "SynthesizedBlock", "synthesize", "weakened_defaults"]

STACK_NAME = "BlockUnderTest"
_WEAKENED_DEFAULT = re.compile(r"\[ack: serverless-blocks:weakened-default:(\w+)\]")
_WARNING_METADATA = "aws:cdk:warning"


BlockT = TypeVar("BlockT", bound=IConstruct)


@dataclass(frozen=True)
class SynthesizedBlock(Generic[BlockT]):
    """The construct under test, its stack's template, the open cdk-nag findings and the assembly."""

    block: BlockT
    stack: Stack
    template: Template
    nag_findings: tuple[NagFinding, ...]
    assembly_dir: Path


def synthesize(build: Callable[[Stack], BlockT], outdir: Path) -> SynthesizedBlock[BlockT]:
    """Build the construct in a fresh app and stack, then synthesize once with both cdk-nag packs."""
    app = App(outdir=str(outdir))
    stack = Stack(app, STACK_NAME)
    block = build(stack)
    report = synthesize_with_nag(app)
    return SynthesizedBlock(
        block=block,
        stack=stack,
        template=Template.from_json(report.template(stack)),
        nag_findings=report.findings,
        assembly_dir=report.assembly_dir,
    )


def weakened_defaults(scope: IConstruct) -> set[str]:
    """Return the settings the construct warned about at synth time as weakening one of its defaults."""
    return {
        match.group(1)
        for construct in scope.node.find_all()
        for entry in construct.node.metadata
        if entry.type == _WARNING_METADATA
        for match in [_WEAKENED_DEFAULT.search(str(entry.data))]
        if match
    }
