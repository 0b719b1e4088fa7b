"""One botocore data loader for every session a test process creates, so service models are parsed once.

The Lambda code builds each client from a private ``boto3.session.Session()`` and keeps it for the life of
the container, and the tests forget those clients before every test so that no test inherits another's.
Each new session comes with a new data loader, which parses the service's JSON model, its endpoint rules
and the partition data again: about 0.2 s per client, several clients per test, which was most of the
unit suite's time. botocore caches what a loader parsed for the loader's lifetime and has no cache across
sessions, so here every session gets the same loader: exactly what one session's clients share. Clients,
credentials and configuration stay per session, so a test still gets fresh clients.

A new session also registers some 130 built-in event handlers, and for each one botocore inspects the
handler's signature (``accepts_kwargs``) and translates the event's legacy names (``EventAliaser``):
answers that depend only on the handler and the event name, so they are remembered for the process too.
A session and a client: 9.0 ms -> 3.7 ms; tests/unit/api in one process: 35.8 s -> 34.3 s.

    with pytest.MonkeyPatch.context() as monkeypatch:
        share_service_models(monkeypatch)
        ...                                   # boto3.session.Session().client("dynamodb") parses nothing
"""

from collections.abc import Callable
from functools import cache
from typing import Any

import botocore.hooks
import botocore.session
import pytest
from botocore.compat import accepts_kwargs
from botocore.loaders import Loader, create_loader

__all__ = ["share_service_models"]


class _SearchPaths(list[str]):
    """Where a loader looks for models; every ``boto3.session.Session`` appends boto3's own to its loader."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


@cache
def _shared_loader(search_path_string: str | None) -> Loader:
    """botocore's loader for these paths (AWS_DATA_PATH), made once; its search paths do not grow."""
    loader = create_loader(search_path_string)
    loader._search_paths = _SearchPaths(loader.search_paths)
    return loader


# The event-name translations of every aliaser that uses botocore's own alias table.
_default_alias_names: dict[str, str] = {}


def _remembering_aliases(init: Callable[..., None]) -> Callable[..., None]:
    def aliaser_init(aliaser: botocore.hooks.EventAliaser, *args: Any, **kwargs: Any) -> None:
        init(aliaser, *args, **kwargs)
        if aliaser._event_aliases is botocore.hooks.EVENT_ALIASES:
            aliaser._alias_name_cache = _default_alias_names

    return aliaser_init


def share_service_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give every botocore session created from now on (until ``monkeypatch`` undoes it) one loader, and
    remember what registering its built-in handlers works out."""
    monkeypatch.setattr(botocore.session, "create_loader", _shared_loader)
    monkeypatch.setattr(botocore.hooks, "accepts_kwargs", cache(accepts_kwargs))
    monkeypatch.setattr(
        botocore.hooks.EventAliaser, "__init__", _remembering_aliases(botocore.hooks.EventAliaser.__init__)
    )
