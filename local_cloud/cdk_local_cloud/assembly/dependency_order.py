"""Orders stacks and resources so that each comes after what it refers to, as CloudFormation does."""

from collections.abc import Collection, Mapping

from cdk_local_cloud.assembly.errors import BadTemplateError

__all__ = ["dependency_order"]


def dependency_order(dependencies: Mapping[str, Collection[str]], *, what: str) -> list[str]:
    """Every key of ``dependencies`` after the keys it depends on, in a deterministic order.

    Dependencies on names that are not keys (parameters, pseudo parameters, other stacks' assets) are
    ignored. ``what`` names the things ordered, for the error that a cycle raises.
    """
    pending = {
        name: {other for other in needs if other in dependencies} for name, needs in dependencies.items()
    }
    ordered: list[str] = []
    while pending:
        ready = [name for name, needs in pending.items() if not needs]
        if not ready:
            raise BadTemplateError(
                f"The {what} depend on each other in a cycle ({', '.join(sorted(pending))}), which "
                "CloudFormation refuses too: break the cycle in the app and synthesize again."
            )
        for name in ready:
            del pending[name]
        for needs in pending.values():
            needs.difference_update(ready)
        ordered.extend(ready)
    return ordered
