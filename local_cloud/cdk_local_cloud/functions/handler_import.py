"""Loads a function's handler as Lambda's Python runtime does, failing with the same Runtime.* error types."""

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["Handler", "HandlerInitError", "import_handler"]

Handler = Callable[[Any, Any], Any]


class HandlerInitError(Exception):
    """The init phase failed; ``error_type`` is Lambda's name for it (e.g. Runtime.ImportModuleError)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def import_handler(handler: str) -> Handler:
    """Imports ``module.function`` (``dir/module.function`` too); the module's top level runs once, here."""
    module_path, _, function_name = handler.rpartition(".")
    if not module_path:
        raise HandlerInitError(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': write it as module.function."
        )
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise HandlerInitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from error
    except SyntaxError as error:
        raise HandlerInitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}"
        ) from error
    except Exception as error:
        # Code at the module's top level raised: Lambda reports that exception's own type.
        raise HandlerInitError(type(error).__name__, str(error)) from error
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise HandlerInitError(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        ) from None
