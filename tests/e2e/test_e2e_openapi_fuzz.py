"""schemathesis against docs/openapi.json through the local cloud: no 5xx, and every answer as documented.

Each operation gets schemathesis' coverage phase (boundary values, wrong types, missing parameters,
undeclared methods, and the content-type probes: a multipart body without a boundary, an undeclared
media type), then derandomized positive and negative fuzzing, all signed in as a board owner. Every
response goes through every check that this version of schemathesis registers, as ``schemathesis run``
applies them, and the test fails if one is ever switched off. Cases of operations with path parameters
aim at a board, task and member that exist (every coverage case with valid path parameters, about half of
the fuzzed ones), so they get past the 404 into the role checks, validation and writes. Failures are
collected rather than raised: one run lists every broken case with its curl reproducer, instead of
stopping at (and shrinking) the first.

What the schema cannot express is told to the checks, each with its reason: ``VALID_DATA_ANSWERS`` and
:func:`excluded_checks`. The run's pace is the dev stage's throttle (20 requests a second), so its cost is
its number of requests: cases, plus ignored_auth's probes once per operation.
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter
from schemathesis import Case, GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.overrides import Override
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection, positive_data_acceptance
from schemathesis.transport import requests as requests_transport
from schemathesis.transport.requests import SameHostRedirectsSession
from urllib3.util.retry import Retry

from tests.e2e.clients import Api
from tests.e2e.conftest import SignIn

OPENAPI_DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
CASES_PER_OPERATION_AND_MODE = 18
MINIMUM_CASES = 1000
REPORTS_SHOWN = 10
REQUEST_TIMEOUT_SECONDS = 30
AUTHORIZATION = "Authorization"
# schemathesis' default answers to valid data, plus two the schema cannot know: 413 for an attachment over
# the deployment's attachmentMaxBytes (set per environment in cdk.json), and 422 for an Idempotency-Key
# reused with another body (generated keys repeat: "0" in most coverage cases). Both are documented.
VALID_DATA_ANSWERS = ["2xx", "3xx", "401", "403", "404", "409", "413", "422", "429", "5xx"]
# The dev stage throttles as API Gateway does (POST /boards: 2 a second), and the fuzzer is faster than
# that: every request, the checks' own probes included, waits out a 429 (which never reached the function).
THROTTLE_RETRIES = 40
THROTTLE_BACKOFF_SECONDS = 0.05
THROTTLE_BACKOFF_MAX_SECONDS = 1.0
# API Gateway's own limit on the request line: a longer one never reaches the API, there or here.
MAX_REQUEST_LINE_BYTES = 10240
CURSOR = "cursor"
OTHER_THAN_QUERY = (
    ParameterLocation.PATH,
    ParameterLocation.HEADER,
    ParameterLocation.COOKIE,
    ParameterLocation.BODY,
)

RealIds = dict[str, str]
logger = logging.getLogger(__name__)


@dataclass
class FuzzRecord:
    """What the run did: how many cases reached the API, and a report for each that broke a check."""

    cases: int = 0
    over_the_gateway_limit: int = 0
    failures: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    # Operations whose authorizer ignored_auth has confirmed: it probes each once, as `schemathesis run` does.
    auth_enforced: set[str] = field(default_factory=set)

    def add(self, failure: FailureGroup) -> None:
        self.failures.append(str(failure))
        self.kinds.update(f"{kind.code} {kind.operation}: {kind.title}" for kind in failure.exceptions)

    def summary(self) -> str:
        """A tally by check and operation, then the first reports in full, each with its curl reproducer."""
        tally = "\n".join(f"{count:5} {kind}" for kind, count in sorted(self.kinds.items()))
        shown = "\n\n".join(self.failures[:REPORTS_SHOWN])
        return (
            f"{len(self.failures)} of {self.cases} cases broke a check:\n{tally}\n\n"
            f"The first {REPORTS_SHOWN}:\n\n{shown}"
        )


@dataclass(frozen=True)
class FuzzTarget:
    """Where cases go and as whom: the REST URL, a session without credentials, and the owner's token."""

    rest_url: str
    session: requests.Session
    token: str


class SeedingClient:
    """The fuzzing user's REST client for seeding the ids that path parameters may take."""

    def __init__(self, target: FuzzTarget) -> None:
        self._target = target

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._target.session.request(
            method,
            f"{self._target.rest_url}{path}",
            json=body,
            headers={AUTHORIZATION: self._target.token},
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        assert response.ok, f"{method} {path} -> {response.status_code} {response.text}"
        return response.json()


class PatientSession(SameHostRedirectsSession):
    """schemathesis' own session, sending again while the stage answers 429.

    It is also what schemathesis opens for the checks' probes (which drop the caller's session to drop its
    credentials), so a probe waits out the throttle like every other request.
    """

    def __init__(self) -> None:
        super().__init__()
        retry = Retry(
            total=THROTTLE_RETRIES,
            connect=0,
            read=0,
            redirect=0,
            status=THROTTLE_RETRIES,
            status_forcelist=[HTTPStatus.TOO_MANY_REQUESTS],
            allowed_methods=None,
            backoff_factor=THROTTLE_BACKOFF_SECONDS,
            backoff_max=THROTTLE_BACKOFF_MAX_SECONDS,
            raise_on_status=False,
        )
        self.mount("http://", HTTPAdapter(max_retries=retry))


@pytest.fixture(scope="module")
def target(rest_url: str, sign_in: SignIn) -> Iterator[FuzzTarget]:
    with pytest.MonkeyPatch.context() as patch, PatientSession() as session:
        patch.setattr(requests_transport, "SameHostRedirectsSession", PatientSession)
        yield FuzzTarget(rest_url, session, sign_in("fuzz-owner"))


@pytest.fixture(scope="module")
def member_id(rest_url: str, sign_in: SignIn) -> str:
    return Api(rest_url, sign_in("fuzz-member")).call("GET", "/me", 200)["userId"]


def seed_board(owner: SeedingClient, member_id: str) -> RealIds:
    """A board the fuzzing user owns, with a task and an editor: the ids that path parameters may take."""
    board_id = owner.call("POST", "/boards", {"name": "Fuzzed"})["boardId"]
    task_id = owner.call("POST", f"/boards/{board_id}/tasks", {"title": "Fuzzed"})["taskId"]
    owner.call("PUT", f"/boards/{board_id}/members/{member_id}", {"role": "editor"})
    return {"boardId": board_id, "taskId": task_id, "userId": member_id}


def every_check_config() -> SchemathesisConfig:
    """The default configuration, with the answers to valid data that the schema cannot express."""
    return SchemathesisConfig.from_dict(
        {"checks": {"positive_data_acceptance": {"expected-statuses": VALID_DATA_ANSWERS}}}
    )


def operations(document: Path) -> list[APIOperation]:
    schema = schemathesis.openapi.from_path(document, config=every_check_config())
    load_all_checks()
    disabled = [
        name
        for name in CHECKS.get_all_names()
        if not schema.config.checks_config_for().get_by_name(name=name).enabled
    ]
    assert disabled == [], f"every check of schemathesis runs, yet these are off: {disabled}"
    return [result.ok() for result in schema.get_all_operations()]


def path_parameter_names(operation: APIOperation) -> list[str]:
    return [parameter.name for parameter in operation.path_parameters]


def generation_modes(operation: APIOperation) -> list[GenerationMode]:
    """An operation whose only input is the (fixed) token has nothing to negate: positive cases only."""
    parameters = [*operation.path_parameters, *operation.query, *operation.headers, *operation.cookies]
    if operation.body or any(parameter.name != AUTHORIZATION for parameter in parameters):
        return list(GenerationMode)
    return [GenerationMode.POSITIVE]


def coverage_cases(operation: APIOperation, token: str, real_ids: RealIds | None) -> Iterator[Case]:
    """schemathesis' deterministic coverage cases, signed in, aimed at ``real_ids`` where their path is valid.

    The generator leaves the security header empty for the caller to fill; a case that tests its absence
    has no such header, and keeps it that way.
    """
    generator = CoverageGenerator(
        operation=operation,
        generation_modes=list(GenerationMode),
        generation_config=operation.schema.config.generation_for(operation=operation, phase="coverage"),
        auth_storage=None,
        override=Override(),
        feedback=FeedbackSources(),
    )
    for case in generator:
        if AUTHORIZATION in case.headers:
            case.headers[AUTHORIZATION] = token
        if real_ids is not None and not (case.meta and case.meta.is_negative_at(ParameterLocation.PATH)):
            case.path_parameters = {name: real_ids[name] for name in path_parameter_names(operation)}
        yield case


def fuzzed_cases(
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


def excluded_checks(
    case: Case, sent: requests.PreparedRequest, record: FuzzRecord
) -> list[Callable[..., Any]]:
    """Checks that cannot hold for ``case``, or that have done their work; every other check runs on it.

    - ignored_auth sends each signed-in success again without, then with a bad, token. Whether an operation
      enforces its authorizer does not depend on the case, so once an operation has passed, later cases skip
      the probes, as ``schemathesis run`` does (its ``auth_enforced_operations``).
    - A cursor is a token the API signs for one list, so a fuzzer can only invent one, and an invented
      cursor is refused (400 ``invalid_cursor``, docs/api.md) however well-formed: "valid data is
      accepted" cannot hold for a case that sends one.
    - A query value that requests cannot put in a URL (an empty list or object) is dropped on the way:
      a case negated only there sent nothing invalid, so "invalid data is rejected" cannot hold.
    """
    excluded: list[Callable[..., Any]] = []
    if case.operation.label in record.auth_enforced:
        excluded.append(ignored_auth)
    if CURSOR in (case.query or {}):
        excluded.append(positive_data_acceptance)
    sent_query = parse_qs(urlsplit(sent.url or "").query, keep_blank_values=True)
    negated_elsewhere = case.meta is not None and any(
        case.meta.is_negative_at(location) for location in OTHER_THAN_QUERY
    )
    if set(case.query or {}) - set(sent_query) and not negated_elsewhere:
        excluded.append(negative_data_rejection)
    return excluded


def check(case: Case, target: FuzzTarget, record: FuzzRecord) -> None:
    """Send ``case`` and run every check on the answer; a case the gateway would refuse is only counted."""
    if request_line_bytes(case, target.rest_url) > MAX_REQUEST_LINE_BYTES:
        record.over_the_gateway_limit += 1
        return
    response = case.call(base_url=target.rest_url, session=target.session, timeout=REQUEST_TIMEOUT_SECONDS)
    record.cases += 1
    try:
        case.validate_response(
            response,
            excluded_checks=excluded_checks(case, response.request, record),
            headers={AUTHORIZATION: target.token},
            transport_kwargs={"session": target.session, "timeout": REQUEST_TIMEOUT_SECONDS},
        )
    except FailureGroup as failure:
        record.add(failure)
        return
    if 200 <= response.status_code < 300 and AUTHORIZATION in case.headers:
        record.auth_enforced.add(case.operation.label)


def fuzz(strategy: st.SearchStrategy[Case], target: FuzzTarget, record: FuzzRecord) -> None:
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
        check(case, target, record)

    run()


def test_every_generated_request_gets_a_documented_answer_and_no_5xx(
    target: FuzzTarget, member_id: str
) -> None:
    owner = SeedingClient(target)
    record = FuzzRecord()
    for operation in operations(OPENAPI_DOCUMENT):
        # Each operation gets a board of its own: a DELETE fuzzed earlier must not empty the next's ids.
        real_ids = seed_board(owner, member_id) if path_parameter_names(operation) else None
        for case in coverage_cases(operation, target.token, real_ids):
            check(case, target, record)
        for mode in generation_modes(operation):
            fuzz(fuzzed_cases(operation, mode, target.token, real_ids), target, record)
    logger.info("schemathesis: %d cases, %d failures", record.cases, len(record.failures))

    assert record.failures == [], record.summary()
    assert record.cases >= MINIMUM_CASES, record.cases
