"""Lint a synthesized CloudFormation template with cfn-lint, the way CI would, and list what it finds.

CDK only checks what its constructs know about; cfn-lint checks the template against the
CloudFormation resource specification, which catches invalid property values and combinations.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cfnlint.api import lint

__all__ = ["IGNORED_RULES", "LINT_REGIONS", "lint_template"]

# The regions the project deploys to; cfn-lint checks resource availability per region.
LINT_REGIONS: tuple[str, ...] = ("us-east-1", "eu-west-1")
# cfn-lint rule ids start with E (error), W (warning) or I (informational); only the first two fail a build.
_FAILING_LEVELS = ("E", "W")
# Rules whose findings come from CDK's own output and cannot be fixed in the constructs, each with why.
IGNORED_RULES: Mapping[str, str] = {
    "W3005": (
        "CDK's lambda.Function adds an explicit DependsOn on its role next to the GetAtt of the role's "
        "ARN, so that the role's policy exists before the function; the redundancy is harmless."
    ),
}


def lint_template(template: str | Path | Mapping[str, Any]) -> list[str]:
    """Return one line per cfn-lint error or warning: rule id, location and message."""
    matches = lint(_template_text(template), regions=list(LINT_REGIONS))
    return [
        f"{match.rule.id} {'/'.join(str(part) for part in match.path)}: {match.message}"
        for match in matches
        if match.rule.id.startswith(_FAILING_LEVELS) and match.rule.id not in IGNORED_RULES
    ]


def _template_text(template: str | Path | Mapping[str, Any]) -> str:
    if isinstance(template, Mapping):
        return json.dumps(template)
    return Path(template).read_text(encoding="utf-8")
