"""Resolves CloudFormation intrinsic functions against what the local cloud has deployed so far.

One resolver serves one stack. It reads that stack's parameters, conditions and mappings, the resources
deployed before (by logical id), and the outputs and exports of the stacks deployed earlier, which
``Fn::GetStackOutput`` (CDK's weak cross-stack references) and ``Fn::ImportValue`` read.
"""

import base64
import json
import re
from collections.abc import Callable, Container, Iterator, Mapping
from typing import Any

from cdk_local_cloud.assembly.cfn_text import as_text
from cdk_local_cloud.assembly.errors import BadTemplateError, UnresolvableReferenceError
from cdk_local_cloud.assembly.pseudo_parameters import PseudoParameters
from cdk_local_cloud.assembly.template_parameters import SsmLookup, parameter_value
from cdk_local_cloud.contracts.deployment import Resource

__all__ = ["Resolver", "referenced_names"]

_SUB_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_FIX_THE_APP = "fix the reference in the app and synthesize again"


class _NoValue:
    """``Ref: AWS::NoValue``: the property, or list item, that holds it is removed."""


_NO_VALUE = _NoValue()


def _no_ssm(_name: str) -> str | None:
    return None


class Resolver:
    """Resolves the intrinsics of one stack's template into plain JSON values."""

    def __init__(
        self,
        template: Mapping[str, Any],
        pseudo_parameters: PseudoParameters,
        *,
        resources: Mapping[str, Resource],
        opaque_resources: Container[str] = frozenset(),
        stack_outputs: Mapping[str, Mapping[str, str]] | None = None,
        exports: Mapping[str, str] | None = None,
        ssm_lookup: SsmLookup = _no_ssm,
    ) -> None:
        """``resources`` may grow while the resolver lives (the deployer adds each resource it creates).

        GetAtt on an ``opaque_resources`` logical id (unsupported and custom resources, whose attributes
        the local cloud cannot know) gives a placeholder instead of an error.
        """
        self._template = template
        self._pseudo = pseudo_parameters
        self._resources = resources
        self._opaque = opaque_resources
        self._stack_outputs = stack_outputs or {}
        self._exports = exports or {}
        self._ssm_lookup = ssm_lookup
        self._conditions: dict[str, bool] = {}
        self._functions: Mapping[str, Callable[[Any, str], Any]] = {
            "Ref": self._ref,
            "Condition": self._condition_reference,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Sub": self._sub,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::Not": self._not,
            "Fn::Contains": self._contains,
            "Fn::ImportValue": self._import_value,
            "Fn::GetStackOutput": self._get_stack_output,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::GetAZs": self._get_azs,
        }

    def resolve(self, value: Any, *, where: str) -> Any:
        """``value`` with every intrinsic resolved; ``where`` (e.g. "resource MyTable") goes into errors."""
        resolved = self._resolve(value, where)
        return None if resolved is _NO_VALUE else resolved

    def is_enabled(self, entry: Mapping[str, Any], *, where: str) -> bool:
        """Whether a resource or output exists: it has no ``Condition``, or its condition holds."""
        name = entry.get("Condition")
        return name is None or self.condition(str(name), where=where)

    def condition(self, name: str, *, where: str) -> bool:
        if name not in self._conditions:
            definitions = self._template.get("Conditions", {})
            if name not in definitions:
                raise self._unresolvable(
                    where, {"Condition": name}, f"the template defines no such condition: {_FIX_THE_APP}"
                )
            self._conditions[name] = self._truth(self._resolve(definitions[name], f"condition {name}"), where)
        return self._conditions[name]

    def _resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, list):
            return [item for item in (self._resolve(item, where) for item in value) if item is not _NO_VALUE]
        if not isinstance(value, Mapping):
            return value
        function = _intrinsic(value)
        if function is not None:
            name, argument = function
            if name not in self._functions:
                raise self._unresolvable(
                    where,
                    value,
                    f"the local cloud does not implement {name}: avoid it in resources it creates",
                )
            return self._functions[name](argument, where)
        resolved = ((key, self._resolve(item, where)) for key, item in value.items())
        return {key: item for key, item in resolved if item is not _NO_VALUE}

    def _ref(self, name: Any, where: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if not isinstance(name, str):
            raise self._malformed(where, "Ref", name)
        if name.startswith("AWS::"):
            try:
                return self._pseudo.value(name)
            except KeyError:
                raise self._unresolvable(
                    where, {"Ref": name}, f"no such pseudo parameter: {_FIX_THE_APP}"
                ) from None
        if name in self._template.get("Parameters", {}):
            return self._parameter(name, where)
        return self._resource({"Ref": name}, name, where).physical_id

    def _parameter(self, name: str, where: str) -> Any:
        try:
            return parameter_value(self._template["Parameters"][name], self._ssm_lookup)
        except KeyError:
            raise self._unresolvable(
                where,
                {"Ref": name},
                "the parameter has no Default and the local cloud passes no parameter values: give it one",
            ) from None

    def _resource(self, reference: Any, logical_id: str, where: str) -> Resource:
        resource = self._resources.get(logical_id)
        if resource is not None:
            return resource
        if logical_id in self._template.get("Resources", {}):
            reason = f"{logical_id} is not deployed (its Condition is false): guard the reference with Fn::If"
        else:
            reason = f"the template defines no resource or parameter {logical_id}: {_FIX_THE_APP}"
        raise self._unresolvable(where, reference, reason)

    def _get_att(self, argument: Any, where: str) -> Any:
        target = _get_att_target(argument)
        if target is None:
            raise self._malformed(where, "Fn::GetAtt", argument)
        logical_id, attribute = target[0], self._resolve(target[1], where)
        reference = {"Fn::GetAtt": [logical_id, attribute]}
        resource = self._resource(reference, logical_id, where)
        if attribute in resource.attributes:
            return resource.attributes[attribute]
        if logical_id in self._opaque:
            return f"{resource.physical_id}.{attribute}"
        raise self._unresolvable(
            where,
            reference,
            f"the local cloud knows no attribute {attribute} of {resource.type} "
            f"(it knows {', '.join(sorted(resource.attributes)) or 'none'}): add it to the provisioner "
            "of the type in cdk_local_cloud/assembly/provisioners",
        )

    def _join(self, argument: Any, where: str) -> str:
        delimiter, items = self._arguments("Fn::Join", argument, 2, where)
        values = self._resolve(items, where)
        if not isinstance(values, list):
            raise self._malformed(where, "Fn::Join", argument)
        return str(delimiter).join(as_text(value) for value in values)

    def _sub(self, argument: Any, where: str) -> str:
        text, variables = (
            (argument, {}) if isinstance(argument, str) else self._arguments("Fn::Sub", argument, 2, where)
        )
        variables = self._resolve(variables, where)
        if not isinstance(text, str) or not isinstance(variables, Mapping):
            raise self._malformed(where, "Fn::Sub", argument)

        def substitute(match: re.Match[str]) -> str:
            name = match[1].strip()
            if name.startswith("!"):
                return f"${{{name[1:]}}}"
            if name in variables:
                return as_text(variables[name])
            if "." in name:
                return as_text(self._get_att(name, where))
            return as_text(self._ref(name, where))

        return _SUB_PLACEHOLDER.sub(substitute, text)

    def _select(self, argument: Any, where: str) -> Any:
        index, items = (
            self._resolve(value, where) for value in self._arguments("Fn::Select", argument, 2, where)
        )
        try:
            return items[int(index)]
        except (IndexError, TypeError, ValueError):
            raise self._unresolvable(
                where, {"Fn::Select": argument}, f"no item {index} in {items}: {_FIX_THE_APP}"
            ) from None

    def _split(self, argument: Any, where: str) -> list[str]:
        delimiter, text = (
            self._resolve(value, where) for value in self._arguments("Fn::Split", argument, 2, where)
        )
        return as_text(text).split(str(delimiter))

    def _if(self, argument: Any, where: str) -> Any:
        name, when_true, when_false = self._arguments("Fn::If", argument, 3, where)
        return self._resolve(when_true if self.condition(str(name), where=where) else when_false, where)

    def _condition_reference(self, name: Any, where: str) -> bool:
        return self.condition(str(name), where=where)

    def _equals(self, argument: Any, where: str) -> bool:
        left, right = (
            self._resolve(value, where) for value in self._arguments("Fn::Equals", argument, 2, where)
        )
        return as_text(left) == as_text(right)

    def _and(self, argument: Any, where: str) -> bool:
        return all(
            self._truth(self._resolve(item, where), where) for item in self._condition_list(argument, where)
        )

    def _or(self, argument: Any, where: str) -> bool:
        return any(
            self._truth(self._resolve(item, where), where) for item in self._condition_list(argument, where)
        )

    def _not(self, argument: Any, where: str) -> bool:
        (operand,) = self._arguments("Fn::Not", argument, 1, where)
        return not self._truth(self._resolve(operand, where), where)

    def _contains(self, argument: Any, where: str) -> bool:
        items, value = (
            self._resolve(item, where) for item in self._arguments("Fn::Contains", argument, 2, where)
        )
        return as_text(value) in {as_text(item) for item in items}

    def _import_value(self, argument: Any, where: str) -> str:
        name = as_text(self._resolve(argument, where))
        if name not in self._exports:
            raise self._unresolvable(
                where,
                {"Fn::ImportValue": name},
                "no stack deployed before this one exports that name: check that cdk.out has the exporter",
            )
        return self._exports[name]

    def _get_stack_output(self, argument: Any, where: str) -> str:
        resolved = self._resolve(argument, where)
        if not isinstance(resolved, Mapping) or not {"StackName", "OutputName"} <= resolved.keys():
            raise self._malformed(where, "Fn::GetStackOutput", argument)
        # One emulated region holds every stack, so the optional Region (and RoleArn) change nothing here.
        stack, output = str(resolved["StackName"]), str(resolved["OutputName"])
        try:
            return self._stack_outputs[stack][output]
        except KeyError:
            raise self._unresolvable(
                where,
                {"Fn::GetStackOutput": {"StackName": stack, "OutputName": output}},
                f"stack {stack} is not deployed before this one, or has no output {output}: synthesize again",
            ) from None

    def _find_in_map(self, argument: Any, where: str) -> Any:
        keys = [
            as_text(self._resolve(key, where)) for key in self._arguments("Fn::FindInMap", argument, 3, where)
        ]
        try:
            return self._template["Mappings"][keys[0]][keys[1]][keys[2]]
        except KeyError:
            raise self._unresolvable(
                where, {"Fn::FindInMap": keys}, f"the template's Mappings hold no such entry: {_FIX_THE_APP}"
            ) from None

    def _base64(self, argument: Any, where: str) -> str:
        return base64.b64encode(as_text(self._resolve(argument, where)).encode()).decode()

    def _get_azs(self, argument: Any, where: str) -> list[str]:
        region = as_text(self._resolve(argument, where)) or self._pseudo.region
        return [f"{region}{zone}" for zone in "abc"]

    def _condition_list(self, argument: Any, where: str) -> list[Any]:
        if not isinstance(argument, list) or not argument:
            raise self._malformed(where, "a condition function", argument)
        return argument

    def _truth(self, value: Any, where: str) -> bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise BadTemplateError(f"Stack {self._pseudo.stack_name}, {where}: {value!r} is no condition value.")

    def _arguments(self, function: str, argument: Any, count: int, where: str) -> list[Any]:
        if not isinstance(argument, list) or len(argument) != count:
            raise self._malformed(where, function, argument)
        return argument

    def _malformed(self, where: str, function: str, argument: Any) -> BadTemplateError:
        return BadTemplateError(
            f"Stack {self._pseudo.stack_name}, {where}: malformed {function} {json.dumps(argument)}; "
            "CloudFormation would refuse it too: fix the template."
        )

    def _unresolvable(self, where: str, reference: Any, reason: str) -> UnresolvableReferenceError:
        return UnresolvableReferenceError(
            f"Stack {self._pseudo.stack_name}, {where}: cannot resolve {json.dumps(reference)}: {reason}."
        )


def referenced_names(value: Any) -> set[str]:
    """The logical ids and parameter names that ``value`` refers to through Ref, GetAtt and Sub."""
    return set(_references(value))


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _references(item)
        return
    if not isinstance(value, Mapping):
        return
    function = _intrinsic(value)
    if function is not None:
        yield from _direct_references(*function)
    for item in value.values():
        yield from _references(item)


def _direct_references(name: str, argument: Any) -> Iterator[str]:
    if name == "Ref" and isinstance(argument, str):
        yield argument
    elif name == "Fn::GetAtt":
        target = _get_att_target(argument)
        if target is not None:
            yield target[0]
    elif name == "Fn::Sub":
        text, variables = argument if isinstance(argument, list) and len(argument) == 2 else (argument, {})
        for placeholder in _SUB_PLACEHOLDER.findall(str(text)):
            name = placeholder.strip()
            if not name.startswith("!") and name not in variables:
                yield name.split(".", 1)[0]


def _intrinsic(value: Mapping[str, Any]) -> tuple[str, Any] | None:
    """(function, argument) when ``value`` is an intrinsic function call, else None."""
    if len(value) != 1:
        return None
    ((name, argument),) = value.items()
    # An IAM statement's Condition is a mapping; only a condition *reference* names one by string.
    if name == "Ref" or name.startswith("Fn::") or (name == "Condition" and isinstance(argument, str)):
        return name, argument
    return None


def _get_att_target(argument: Any) -> tuple[str, Any] | None:
    """(logical id, attribute) of ``Fn::GetAtt``, in its list form or its "LogicalId.Attribute" form."""
    if isinstance(argument, str) and "." in argument:
        logical_id, attribute = argument.split(".", 1)
        return logical_id, attribute
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
        return argument[0], argument[1]
    return None
