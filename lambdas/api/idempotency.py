"""Safe retries for POSTs: an ``Idempotency-Key`` header replays the first response instead of creating twice.

Built on Powertools idempotency, stored in the table named by ``IDEMPOTENCY_TABLE_NAME``. A record is
keyed by the caller's user id and the header value, so a stored response only ever goes back to the user
who made it, and it remembers a hash of the request it was first used with (route parameters and body):
the same key with a different request is refused with 422 ``idempotency_key_reused``, and one still
running with 409 ``request_in_progress``; a throttled idempotency table is a 503 like a throttled main
table. Records expire after :data:`RECORD_TTL_SECONDS`.

A replay is authorized like a first request: the route's ``authorize`` check runs before the record is
looked up, so a member who was removed or demoted since gets the 404 or 403 a new request would get,
never the stored response (which may hold a task or a signed upload form).

Powertools' idempotency package is imported on first use, so GETs and key-less POSTs never load it.

Example:
    >>> replay_or_run(key, caller=caller, request={"boardId": board_id, "task": body.model_dump(mode="json")},
    ...               authorize=lambda: tasks.authorize_create(caller, board_id),
    ...               response_model=TaskOut, run=lambda: TaskOut.of(tasks.create(...)),
    ...               lambda_context=router.lambda_context)
"""

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from pydantic import BaseModel

from corkboard.errors import IdempotencyKeyReusedError, RequestInProgressError
from corkboard.identity import Caller
from corkboard.settings import MissingSettingError
from corkboard.table_design import (
    ENV_IDEMPOTENCY_TABLE_NAME,
    IDEMPOTENCY_PARTITION_KEY,
    IDEMPOTENCY_TTL_ATTRIBUTE,
)
from dynamo_odm.client import dynamodb_client
from dynamo_odm.errors import throttled_error_for

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

__all__ = ["RECORD_TTL_SECONDS", "persistence_store", "replay_or_run"]

RECORD_TTL_SECONDS = 60 * 60

ModelT = TypeVar("ModelT", bound=BaseModel)


def replay_or_run(
    key: str | None,
    *,
    caller: Caller,
    request: Mapping[str, Any],
    authorize: Callable[[], object] | None,
    response_model: type[ModelT],
    run: Callable[[], ModelT],
    lambda_context: LambdaContext | None,
) -> ModelT:
    """``run()`` once per (caller, key); a repeat with the same ``request`` gets the first result back.

    ``request`` must be JSON-ready and must identify the request fully (route parameters and body), since
    it is what a reused key is checked against. ``authorize`` raises for a caller who may not make the
    request now; it runs before any replay. It is required so that every route states it, None only where
    any signed-in caller may make the request. ``lambda_context`` is the invocation's (a route passes its
    router's ``lambda_context``): with it, a record left "in progress" by a timed-out invocation expires
    with it. Without a key, this is just ``run()``.
    """
    if key is None:
        return run()
    if authorize is not None:
        authorize()
    record = {"caller": caller.user_id, "key": key, "request": dict(request)}
    with _catalogue_errors():
        return _once_per_record(response_model, lambda_context)(record=record, run=run)


@cache
def persistence_store() -> "DynamoDBPersistenceLayer":
    """The process-wide persistence layer, on the data layer's shared DynamoDB client."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer  # noqa: PLC0415

    table_name = os.environ.get(ENV_IDEMPOTENCY_TABLE_NAME)
    if not table_name:
        raise MissingSettingError(ENV_IDEMPOTENCY_TABLE_NAME)
    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr=IDEMPOTENCY_PARTITION_KEY,
        expiry_attr=IDEMPOTENCY_TTL_ATTRIBUTE,
        boto3_client=dynamodb_client(),
    )


def _once_per_record(
    response_model: type[ModelT], lambda_context: LambdaContext | None
) -> Callable[..., ModelT]:
    """``_run`` wrapped by Powertools, replaying stored results as ``response_model``."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function  # noqa: PLC0415
    from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (  # noqa: PLC0415
        PydanticSerializer,
    )

    config = IdempotencyConfig(
        event_key_jmespath="[caller, key]",
        payload_validation_jmespath="request",
        expires_after_seconds=RECORD_TTL_SECONDS,
        lambda_context=lambda_context,
    )
    return idempotent_function(
        _run,
        data_keyword_argument="record",
        persistence_store=persistence_store(),
        config=config,
        output_serializer=PydanticSerializer(response_model),
    )


@contextmanager
def _catalogue_errors() -> Iterator[None]:
    """Powertools' idempotency outcomes as catalogue errors; errors of the wrapped call pass through."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    try:
        yield
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReusedError() from error
    except IdempotencyAlreadyInProgressError as error:
        raise RequestInProgressError() from error
    except IdempotencyPersistenceLayerError as error:
        cause = error.__cause__
        throttled = (
            throttled_error_for(cause, "the idempotency store") if isinstance(cause, ClientError) else None
        )
        if throttled is None:
            raise
        raise throttled from error


def _run(*, record: Mapping[str, Any], run: Callable[[], ModelT]) -> ModelT:
    # One function for every route keeps the record prefix stable; ``record`` is what Powertools hashes.
    return run()
