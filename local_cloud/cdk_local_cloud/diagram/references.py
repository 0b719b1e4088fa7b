"""Which resources a CloudFormation value points at, across stacks.

CDK wires resources with ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` inside a stack, and with
``Fn::GetStackOutput`` (weak references) or ``Fn::ImportValue`` (exports) across stacks. The diagram
needs the resource at the far end of each, so cross-stack references are followed to the output's
value in the exporting stack.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ReferenceResolver", "ResourceId", "Template", "UnresolvedReferenceError"]

Template = Mapping[str, Any]

# "${Name}" or "${Name.Attribute}"; "${!Literal}" and "${AWS::Region}" never name a resource.
_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}")


@dataclass(frozen=True, order=True)
class ResourceId:
    """A resource's address in a cloud assembly: its stack and its logical id there."""

    stack: str
    logical_id: str

    def __str__(self) -> str:
        return f"{self.stack}/{self.logical_id}"


class UnresolvedReferenceError(LookupError):
    """Raised when a cross-stack reference names a stack or export that the templates don't hold."""

    def __init__(self, stack: str, reference: str) -> None:
        super().__init__(
            f"{stack} refers to {reference}, which none of the loaded templates provides; "
            "synthesize every stack of the app (cdk synth) before drawing the diagram."
        )


class ReferenceResolver:
    """Resolves intrinsic functions in the templates of one cloud assembly to the resources they name."""

    def __init__(self, templates: Mapping[str, Template]) -> None:
        self._templates = templates
        self._exports = {
            output["Export"]["Name"]: (stack, output["Value"])
            for stack, template in templates.items()
            for output in template.get("Outputs", {}).values()
            if isinstance(output.get("Export", {}).get("Name"), str)
        }
        self._intrinsics: Mapping[str, Callable[[str, Any], Iterator[ResourceId]]] = {
            "Ref": self._local,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::GetStackOutput": self._stack_output,
            "Fn::ImportValue": self._import,
        }

    def references(self, stack: str, value: Any) -> Iterator[ResourceId]:
        """Yield every resource that ``value``, found in ``stack``'s template, refers to."""
        if isinstance(value, list):
            for item in value:
                yield from self.references(stack, item)
            return
        if not isinstance(value, dict):
            return
        if len(value) == 1:
            ((function, argument),) = value.items()
            if function in self._intrinsics:
                yield from self._intrinsics[function](stack, argument)
                return
        for item in value.values():
            yield from self.references(stack, item)

    def _local(self, stack: str, logical_id: Any) -> Iterator[ResourceId]:
        # Parameters and pseudo parameters (AWS::Region) are not resources, so they yield nothing.
        if isinstance(logical_id, str) and logical_id in self._templates[stack].get("Resources", {}):
            yield ResourceId(stack, logical_id)

    def _get_att(self, stack: str, argument: Any) -> Iterator[ResourceId]:
        logical_id = argument[0] if isinstance(argument, list) else str(argument).split(".", 1)[0]
        yield from self._local(stack, logical_id)

    def _sub(self, stack: str, argument: Any) -> Iterator[ResourceId]:
        text, variables = (argument[0], argument[1]) if isinstance(argument, list) else (argument, {})
        for name in _SUB_VARIABLE.findall(text):
            if name not in variables:
                yield from self._local(stack, name)
        yield from self.references(stack, variables)

    def _stack_output(self, stack: str, argument: Any) -> Iterator[ResourceId]:
        source, output = argument["StackName"], argument["OutputName"]
        outputs = self._templates.get(source, {}).get("Outputs", {})
        if output not in outputs:
            raise UnresolvedReferenceError(stack, f"output {output} of stack {source}")
        yield from self.references(source, outputs[output]["Value"])

    def _import(self, stack: str, argument: Any) -> Iterator[ResourceId]:
        if not isinstance(argument, str) or argument not in self._exports:
            raise UnresolvedReferenceError(stack, f"export {argument}")
        source, value = self._exports[argument]
        yield from self.references(source, value)
