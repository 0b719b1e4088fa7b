"""A real browser uses the API: headless Chromium runs tests/e2e/browser/page/ against the local cloud.

The page is loaded from the dev environment's allowed origin (cdk.json ``corsAllowOrigins``) and from an
origin that is not allowed; everything it does goes through the browser's own ``fetch`` and ``WebSocket``,
so CORS is enforced by the browser itself, on the REST API, on the gateway's own errors and on S3.
"""

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from selenium.webdriver import Chrome

from stacks.config import load_environment
from tests.e2e.browser.chromium import headless_chromium
from tests.e2e.browser.page_origins import PageOrigins
from tests.e2e.clients import Api
from tests.e2e.conftest import SignIn
from tests.infra.conftest import cdk_context

FILE_CONTENT = "notes typed in a browser\n"
READY_DEADLINE_SECONDS = 60
# Another host than the allowed one, and the same port: a different origin all the same.
REFUSED_ORIGIN = "http://not-allowed.localhost:5173"


@pytest.fixture(scope="module")
def allowed_origin() -> str:
    origin = load_environment(cdk_context()["environments"], "dev").cors_allow_origins[0]
    assert origin != REFUSED_ORIGIN
    return origin


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    with PageOrigins() as origins:
        driver = headless_chromium(tmp_path_factory.mktemp("chromium"), proxy_server=origins.proxy_server)
        try:
            yield driver
        finally:
            driver.quit()


@pytest.fixture(scope="module")
def page_config(rest_url: str, websocket_url: str, sign_in: SignIn) -> dict[str, Any]:
    return {
        "restUrl": rest_url,
        "websocketUrl": websocket_url,
        "token": sign_in("browser-owner"),
        "viewerToken": sign_in("browser-viewer"),
        "fileContent": FILE_CONTENT,
    }


def run_scenario(browser: Chrome, origin: str, scenario: str, config: dict[str, Any]) -> dict[str, Any]:
    """Opens the page at ``origin`` and returns what ``window.corkboard[scenario](config)`` resolved to."""
    browser.get(f"{origin}/index.html")
    result = browser.execute_async_script(
        """
        const [scenario, config, done] = arguments;
        window.corkboard[scenario](config).then(
          (value) => done({ value }),
          (error) => done({ error: `${error.name}: ${error.message}` }),
        );
        """,
        scenario,
        config,
    )
    assert "error" not in result, f"{scenario} from {origin} failed in the page: {result['error']}"
    return result["value"]


def test_a_page_on_an_allowed_origin_lists_creates_patches_and_deletes(
    browser: Chrome, allowed_origin: str, page_config: dict[str, Any]
) -> None:
    result = run_scenario(browser, allowed_origin, "crud", page_config)
    board_id = result["created"]["boardId"]
    assert board_id not in result["listedBefore"]
    assert board_id in result["listed"]
    assert (result["renamed"]["name"], result["renamed"]["version"]) == ("Renamed in the browser", 2)
    assert result["taskStatus"] == "done"
    assert result["deleteStatuses"] == [204, 204]
    assert (result["afterwards"]["status"], result["afterwards"]["body"]["error"]) == (404, "not_found")


def test_a_page_on_an_allowed_origin_reads_the_json_of_refusals(
    browser: Chrome, allowed_origin: str, page_config: dict[str, Any]
) -> None:
    result = run_scenario(browser, allowed_origin, "errors", page_config)
    statuses = {name: (answer["status"], answer["body"]["error"]) for name, answer in result.items()}
    assert statuses == {
        "forbidden": (403, "forbidden"),
        "conflict": (409, "version_conflict"),
        "unauthorized": (401, "unauthorized"),
        "unknownRoute": (404, "not_found"),
    }
    assert "Reload" in result["conflict"]["body"]["message"]


def test_a_page_on_an_allowed_origin_uploads_to_s3_and_downloads(
    browser: Chrome, allowed_origin: str, page_config: dict[str, Any]
) -> None:
    result = run_scenario(browser, allowed_origin, "upload", page_config)
    assert result == {
        "uploadStatus": 204,
        "attachmentStatus": "ready",
        "rejectionReason": None,
        "downloadStatus": 200,
        "downloaded": FILE_CONTENT,
    }


def test_a_page_on_an_allowed_origin_receives_websocket_events(
    browser: Chrome, allowed_origin: str, page_config: dict[str, Any]
) -> None:
    result = run_scenario(browser, allowed_origin, "realtime", page_config)
    assert result["event"]["type"] == "task.created"
    assert result["event"]["data"]["taskId"] == result["taskId"]


def test_a_page_on_an_origin_not_allowed_can_read_no_response(
    browser: Chrome, rest_url: str, page_config: dict[str, Any]
) -> None:
    owner = Api(rest_url, page_config["token"])
    board_id = owner.call("POST", "/boards", 201, {"name": "Probed"})["boardId"]
    task_id = owner.call("POST", f"/boards/{board_id}/tasks", 201, {"title": "Probed"})["taskId"]
    attachments = f"/boards/{board_id}/tasks/{task_id}/attachments"
    body = {"fileName": "notes.txt", "contentType": "text/plain", "size": len(FILE_CONTENT.encode())}
    uploaded = owner.call("POST", attachments, 201, body)["upload"]
    posted = requests.post(
        uploaded["url"],
        data=uploaded["fields"],
        files={"file": ("notes.txt", FILE_CONTENT.encode(), "text/plain")},
        timeout=60,
    )
    assert posted.status_code == 204, posted.text
    config = {
        **page_config,
        "upload": owner.call("POST", attachments, 201, body)["upload"],
        "downloadUrl": ready_download_url(owner, attachments),
    }

    result = run_scenario(browser, REFUSED_ORIGIN, "probe", config)

    assert result == {
        name: {"refused": "TypeError"}
        for name in ("health", "list", "create", "unauthorized", "upload", "download")
    }


def ready_download_url(owner: Api, attachments: str) -> str:
    """The download link of the first attachment to be checked (the uploads function runs asynchronously)."""
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        ready = [item for item in owner.call("GET", attachments, 200)["items"] if item["downloadUrl"]]
        if ready:
            return ready[0]["downloadUrl"]
        time.sleep(0.25)
    raise AssertionError(f"{attachments}: no attachment became ready in {READY_DEADLINE_SECONDS} s")
