"""An in-process moto account built once per test session and put back, as built, before every test.

Building the stack's account through boto3 (tables, bucket, secret) for each test costs more than ten
times what restoring it does (measured 0.30 s against 0.02 s a test, with the service models already parsed:
see service_model_cache.py). moto can reset its state but cannot snapshot it, so this module
does the small part moto lacks: it keeps deep copies of the backends that building filled, and after
``mock_aws`` has reset moto at the start of a test it installs fresh copies of them. A test thus sees
exactly the account the stacks deploy (empty tables, an empty bucket, the secret), whatever the previous
test did, and ``mock_aws`` still resets moto when the test ends, so the moto servers that other tests run
in the same process never see this account. Copying a few empty tables takes well under a millisecond.

    snapshot = AccountSnapshot.take(create_stack_resources)    # once per session (per xdist worker)
    with mock_aws():                                            # in every test
        resources = snapshot.restore(monkeypatch)
"""

import copy
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import pytest
from moto import mock_aws
from moto.core.base_backend import BackendDict, BaseBackend
from moto.s3.models import S3Backend, s3_backends

__all__ = ["AccountSnapshot"]

Created = TypeVar("Created")


@dataclass(frozen=True)
class _BackendCopy:
    """One service's state in one account and region (moto keeps one backend object for each)."""

    service: BackendDict[Any]
    account_id: str
    region: str
    backend: BaseBackend

    def install(self) -> None:
        """Put a fresh copy in moto's place for it; the saved copy stays untouched for the next test."""
        backend = copy.deepcopy(self.backend)
        self.service[self.account_id][self.region] = backend
        if isinstance(backend, S3Backend):
            # Bucket names are global: moto finds a bucket's account in this map, which its reset empties.
            for name, bucket in backend.buckets.items():
                s3_backends.bucket_accounts[name] = (bucket.partition, self.account_id)


@dataclass(frozen=True)
class AccountSnapshot(Generic[Created]):
    """What ``create`` returned, the environment variables it set, and moto's state once it had run."""

    created: Created
    environment: Mapping[str, str | None]
    backends: tuple[_BackendCopy, ...]

    @classmethod
    def take(cls, create: Callable[[pytest.MonkeyPatch], Created]) -> "AccountSnapshot[Created]":
        """Run ``create`` on an empty in-process moto, in the caller's environment, and keep what it made."""
        with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
            before = dict(os.environ)
            created = create(monkeypatch)
            after = dict(os.environ)
            backends = _copies_of_every_backend()
        changed = {name: after.get(name) for name in {*before, *after} if before.get(name) != after.get(name)}
        return cls(created, changed, backends)

    @classmethod
    def of_running(cls, created: Created) -> "AccountSnapshot[Created]":
        """moto's state as it is now, inside a test's ``mock_aws``: for work that many tests start from
        (a seeded board), done once and then restored instead of done again. No environment is kept."""
        return cls(created, {}, _copies_of_every_backend())

    def of_services(self, *service_names: str) -> "AccountSnapshot[Created]":
        """This snapshot with only the state of these services (moto's names: ``"cognito-idp"``), so that
        restoring it over a test's account leaves every other service of that account as the test made it."""
        kept = tuple(backend for backend in self.backends if backend.service.service_name in service_names)
        return replace(self, backends=kept)

    def restore(self, monkeypatch: pytest.MonkeyPatch) -> Created:
        """Install the account into the running ``mock_aws`` (just reset) and its environment; what was made.

        Run it inside ``mock_aws()``: moto's reset on entry removes whatever an earlier test left, and the
        reset on exit removes this account again.
        """
        for backend in self.backends:
            backend.install()
        for name, value in self.environment.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        return self.created


def _copies_of_every_backend() -> tuple[_BackendCopy, ...]:
    return tuple(
        _BackendCopy(service, account_id, region, copy.deepcopy(backend))
        for service in BackendDict._instances
        for account_id, region, backend in service.iter_backends()
    )
