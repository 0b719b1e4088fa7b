"""schemathesis against docs/openapi.json through the local cloud: no 5xx, and every answer as documented.

Every operation gets derandomized positive and negative cases, all signed in as a board owner. Cases of
operations with path parameters aim at a board, task and member that exist about half of the time, so they
get past the 404 into the role checks, validation and writes. Failures are collected rather than raised:
one run lists every broken case with its curl reproducer, instead of stopping at (and shrinking) the first.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.clients import Api
from tests.e2e.conftest import SignIn

OPENAPI_DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
CASES_PER_OPERATION_AND_MODE = 40
MINIMUM_CASES = 1000
# 5xx of any kind (500 is documented, 502/504 come from the gateway), then the schema: status, body, headers.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
REPORTS_SHOWN = 10
REQUEST_TIMEOUT_SECONDS = 30
AUTHORIZATION = "Authorization"
# The dev stage throttles as API Gateway does (POST /boards: 2 a second), and the fuzzer is faster than that.
THROTTLE_PATIENCE_SECONDS = 30
THROTTLE_BACKOFF_SECONDS = 0.1
# API Gateway's own limit on the request line: a longer one never reaches the API, there or here.
MAX_REQUEST_LINE_BYTES = 10240

RealIds = dict[str, str]


class HttpAnswer(Protocol):
    @property
    def status_code(self) -> int: ...


AnswerT = TypeVar("AnswerT", bound=HttpAnswer)


@dataclass
class FuzzRecord:
    """What the run did: how many cases reached the API, and a report for each that broke a check."""

    cases: int = 0
    over_the_gateway_limit: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The first reports in full, each with its curl reproducer: enough to act on, short to read."""
        shown = "\n\n".join(self.failures[:REPORTS_SHOWN])
        return (
            f"{len(self.failures)} of {self.cases} cases broke a check; the first {REPORTS_SHOWN}:\n\n{shown}"
        )


def unthrottled(send: Callable[[], AnswerT]) -> AnswerT:
    """Sends again while the stage answers 429: a throttled request is neither a case nor a failure."""
    deadline = time.monotonic() + THROTTLE_PATIENCE_SECONDS
    answer = send()
    while answer.status_code == HTTPStatus.TOO_MANY_REQUESTS and time.monotonic() < deadline:
        time.sleep(THROTTLE_BACKOFF_SECONDS)
        answer = send()
    return answer


class SeedingClient:
    """The fuzzing user's REST client for seeding: unlike ``clients.Api``, it waits out the stage's 429s."""

    def __init__(self, session: requests.Session, rest_url: str) -> None:
        self._session = session
        self._rest_url = rest_url

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = unthrottled(
            lambda: self._session.request(
                method, f"{self._rest_url}{path}", json=body, timeout=REQUEST_TIMEOUT_SECONDS
            )
        )
        assert response.ok, f"{method} {path} -> {response.status_code} {response.text}"
        return response.json()


@pytest.fixture(scope="module")
def owner_token(sign_in: SignIn) -> str:
    return sign_in("fuzz-owner")


@pytest.fixture(scope="module")
def owner_session(owner_token: str) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers[AUTHORIZATION] = owner_token
        yield session


@pytest.fixture(scope="module")
def member_id(rest_url: str, sign_in: SignIn) -> str:
    return Api(rest_url, sign_in("fuzz-member")).call("GET", "/me", 200)["userId"]


def seed_board(owner: SeedingClient, member_id: str) -> RealIds:
    """A board the fuzzing user owns, with a task and an editor: the ids that path parameters may take."""
    board_id = owner.call("POST", "/boards", {"name": "Fuzzed"})["boardId"]
    task_id = owner.call("POST", f"/boards/{board_id}/tasks", {"title": "Fuzzed"})["taskId"]
    owner.call("PUT", f"/boards/{board_id}/members/{member_id}", {"role": "editor"})
    return {"boardId": board_id, "taskId": task_id, "userId": member_id}


def operations(document: Path) -> Iterator[APIOperation]:
    for result in schemathesis.openapi.from_path(document).get_all_operations():
        yield result.ok()


def path_parameter_names(operation: APIOperation) -> list[str]:
    return [parameter.name for parameter in operation.path_parameters]


def generation_modes(operation: APIOperation) -> list[GenerationMode]:
    """An operation whose only input is the (fixed) token has nothing to negate: positive cases only."""
    parameters = [*operation.path_parameters, *operation.query, *operation.headers, *operation.cookies]
    if operation.body or any(parameter.name != AUTHORIZATION for parameter in parameters):
        return list(GenerationMode)
    return [GenerationMode.POSITIVE]


def cases(
    operation: APIOperation, mode: GenerationMode, token: str, real_ids: RealIds | None
) -> st.SearchStrategy[Case]:
    """Generated cases, mixed (given ``real_ids``) with cases whose path parameters are ids that exist."""
    headers = {AUTHORIZATION: token}
    generated = operation.as_strategy(mode, headers=headers)
    if real_ids is None:
        return generated
    existing = {name: real_ids[name] for name in path_parameter_names(operation)}
    return st.one_of(generated, operation.as_strategy(mode, headers=headers, path_parameters=existing))


def request_line_bytes(case: Case, rest_url: str) -> int:
    """The size of ``METHOD /path?query HTTP/1.1`` as sent, percent-encoding included."""
    prepared = requests.Request(**case.as_transport_kwargs(base_url=rest_url)).prepare()
    return len(f"{prepared.method} {prepared.path_url} HTTP/1.1".encode())


def fuzz(
    strategy: st.SearchStrategy[Case], rest_url: str, session: requests.Session, record: FuzzRecord
) -> None:
    @settings(
        max_examples=CASES_PER_OPERATION_AND_MODE,
        derandomize=True,
        database=None,
        deadline=None,
        # Only generation: an unexpected error (a dropped connection) is raised as is, not shrunk for minutes.
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Case) -> None:
        if request_line_bytes(case, rest_url) > MAX_REQUEST_LINE_BYTES:
            record.over_the_gateway_limit += 1
            return
        response = unthrottled(
            lambda: case.call(base_url=rest_url, session=session, timeout=REQUEST_TIMEOUT_SECONDS)
        )
        record.cases += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as failure:
            record.failures.append(str(failure))

    run()


def test_every_generated_request_gets_a_documented_answer_and_no_5xx(
    rest_url: str, owner_session: requests.Session, owner_token: str, member_id: str
) -> None:
    owner = SeedingClient(owner_session, rest_url)
    record = FuzzRecord()
    for operation in operations(OPENAPI_DOCUMENT):
        # Each operation gets a board of its own: a DELETE fuzzed earlier must not empty the next's ids.
        real_ids = seed_board(owner, member_id) if path_parameter_names(operation) else None
        for mode in generation_modes(operation):
            fuzz(cases(operation, mode, owner_token, real_ids), rest_url, owner_session, record)

    assert record.failures == [], record.summary()
    assert record.cases >= MINIMUM_CASES
