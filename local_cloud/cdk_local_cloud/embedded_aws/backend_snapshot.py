"""Everything the embedded AWS holds, as bytes and back: moto's service backends, pickled whole.

moto keeps all state in memory, in one ``BackendDict`` per service (account -> region -> backend object), and
offers no way to save it: its recorder replays requests (which grows with every write and re-rolls random ids
such as user pool ids), and its maintainers' advice for persistence is to pickle the backends
(getmoto/moto#1069, #9755). Pickling keeps every object a developer created, with its ids, in any service,
without code per service; :mod:`cdk_local_cloud.embedded_aws.saved_state` guards it with moto's version.

Measured on moto 5.2.5, the standard pickler gets four kinds of objects wrong, which this pickler handles:
- locks and conditions (an SQS queue's message lock): saved as new, unheld ones, since the state is taken
  when no request is under way;
- cryptography keys (KMS keys, the user pool's signing key): saved as DER bytes and loaded back;
- lambdas (SSM's ``defaultdict(lambda: ...)``): cloudpickle saves them by value;
- dict subclasses, which pickle rebuilds through their own ``__init__`` and ``__setitem__``: SSM's
  ``ParameterDict`` cannot be built so, and S3's key store would keep only the latest version of each key.
  They are rebuilt from their plain dict items and attributes instead.

Two things are left out on purpose. DynamoDB Streams holds only shard iterators (moto keeps every one it
hands out, about 3 KB a read), which no reader uses after a restart. And each table's stream records are
dropped, with the shard's sequence numbers carrying on after them: a stream poller that starts again from
the oldest record (``TRIM_HORIZON``) must not deliver again what it delivered before the restart.
"""

import copyreg
import io
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any

import cloudpickle
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from moto.backends import get_backend
from moto.core.base_backend import AccountSpecificBackend, BackendDict
from moto.dynamodb.models.table import StreamShard

__all__ = [
    "BackendSnapshot",
    "BackendSnapshotError",
    "capture_backends",
    "dump_snapshot",
    "load_snapshot",
    "restore_backends",
]

# service -> account id -> region -> moto backend object
BackendSnapshot = dict[str, dict[str, dict[str, Any]]]

_LEFT_OUT_SERVICES = frozenset({"dynamodbstreams"})
# The key types moto creates (KMS: RSA and elliptic curves; Cognito: RSA), with their DER forms.
_PRIVATE_KEYS = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)
_PUBLIC_KEYS = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)
# Mappings that pickle rebuilds faithfully on its own.
_PLAIN_MAPPINGS = (dict, defaultdict, OrderedDict, Counter)


class BackendSnapshotError(TypeError):
    """A backend refers to moto's registry of backends, which a snapshot cannot hold by value."""


def capture_backends() -> BackendSnapshot:
    """The backends of every service this process's moto has used (references, not copies)."""
    return {
        backend_dict.service_name: {account: dict(regions) for account, regions in backend_dict.items()}
        for backend_dict in list(BackendDict._instances)
        if backend_dict.service_name not in _LEFT_OUT_SERVICES
    }


def restore_backends(snapshot: BackendSnapshot) -> None:
    """Puts the snapshot's backends in place of this process's (call it before moto answers requests)."""
    for service, accounts in snapshot.items():
        backend_dict = get_backend(service)  # type: ignore[call-overload]
        for account_id, regions in accounts.items():
            account_backends = backend_dict[account_id]
            for region, backend in regions.items():
                account_backends[region] = backend


def dump_snapshot(value: Any) -> bytes:
    """Pickles ``value``, a snapshot or anything that holds one (all in one pickle, so that objects the
    backends share are shared again when loaded)."""
    buffer = io.BytesIO()
    _BackendPickler(buffer).dump(value)
    return buffer.getvalue()


def load_snapshot(data: bytes) -> Any:
    return cloudpickle.loads(data)


def _refused(registry: BackendDict[Any] | AccountSpecificBackend[Any]) -> Any:
    raise BackendSnapshotError(
        f"A moto backend holds the registry of {registry.service_name} backends, which cannot be saved."
    )


def _as_condition(_condition: threading.Condition) -> Any:
    return threading.Condition, ()


def _as_rlock(_lock: Any) -> Any:
    return threading.RLock, ()


def _as_lock(_lock: Any) -> Any:
    return threading.Lock, ()


def _as_private_key(key: Any) -> Any:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _private_key, (der,)


def _as_public_key(key: Any) -> Any:
    return _public_key, (
        key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
    )


def _private_key(der: bytes) -> Any:
    """cryptography's loaders are compiled functions that pickle cannot name, so pickle names this one."""
    return serialization.load_der_private_key(der, None)


def _public_key(der: bytes) -> Any:
    return serialization.load_der_public_key(der)


def _as_plain_mapping(mapping: dict[Any, Any]) -> Any:
    factory = mapping.default_factory if isinstance(mapping, defaultdict) else None
    state = (getattr(mapping, "__dict__", {}), list(dict.items(mapping)))
    return _new_mapping, (type(mapping), factory), state, None, None, _fill_mapping


def _new_mapping(cls: type[dict[Any, Any]], default_factory: Any) -> dict[Any, Any]:
    mapping = cls.__new__(cls)
    if default_factory is not None:
        mapping.default_factory = default_factory  # type: ignore[attr-defined]
    return mapping


def _fill_mapping(mapping: dict[Any, Any], state: tuple[dict[str, Any], list[tuple[Any, Any]]]) -> None:
    """Sets the items as a plain dict holds them, past the subclass's own ``__setitem__``."""
    attributes, items = state
    vars(mapping).update(attributes)
    for key, value in items:
        dict.__setitem__(mapping, key, value)


def _as_shard_without_records(shard: StreamShard) -> Any:
    """The shard as pickle rebuilds it: no records, its next record numbered as if they were still there."""
    state = dict(vars(shard))
    state["starting_sequence_number"] = shard.starting_sequence_number + len(shard.items)
    state["items"] = []
    return copyreg.__newobj__, (StreamShard,), state


_REDUCERS: tuple[tuple[Any, Callable[[Any], Any]], ...] = (
    ((BackendDict, AccountSpecificBackend), _refused),
    (threading.Condition, _as_condition),
    (type(threading.RLock()), _as_rlock),
    (type(threading.Lock()), _as_lock),
    (_PRIVATE_KEYS, _as_private_key),
    (_PUBLIC_KEYS, _as_public_key),
    (StreamShard, _as_shard_without_records),
)


class _BackendPickler(cloudpickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        for kinds, reduce in _REDUCERS:
            if isinstance(obj, kinds):
                return reduce(obj)
        if isinstance(obj, dict) and type(obj) not in _PLAIN_MAPPINGS:
            return _as_plain_mapping(obj)
        return super().reducer_override(obj)
