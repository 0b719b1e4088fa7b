"""Who may attach and list, and which declarations are refused before anything is stored or signed."""

from typing import Any

import pytest
from upload_harness import PNG, Uploads

from corkboard.file_names import FILE_NAME_MAX_LENGTH
from corkboard.settings import DEFAULT_ATTACHMENT_MAX_BYTES
from corkboard.table_design import ENV_ATTACHMENT_MAX_BYTES


@pytest.mark.parametrize(
    ("role", "status", "error"),
    [
        ("anonymous", 401, "unauthorized"),
        ("stranger", 404, "not_found"),
        ("viewer", 403, "forbidden"),
        ("admin", 403, "forbidden"),
        ("editor", 201, None),
        ("owner", 201, None),
    ],
)
def test_editors_and_the_owner_attach_nobody_else_does(
    uploads: Uploads, role: str, status: int, error: str | None
) -> None:
    response = uploads.start(role=role)

    assert (response.status, response.error) == (status, error)
    assert len(uploads.listing()) == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("stranger", 404), ("viewer", 200), ("editor", 200), ("owner", 200), ("admin", 200)],
)
def test_members_and_admins_list_attachments_with_their_links(
    uploads: Uploads, role: str, status: int
) -> None:
    uploads.process(uploads.attach(PNG))

    response = uploads.api.call("GET", uploads.path(), role)

    assert response.status == status
    if status == 200:
        assert response.body["items"][0]["downloadUrl"] is not None


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_an_unknown_task_is_not_found(uploads: Uploads, method: str) -> None:
    body = {"fileName": "a.png", "contentType": "image/png", "size": 10} if method == "POST" else None

    response = uploads.api.call(method, uploads.path("01JNOSUCHTASK0000000000000"), json_body=body)

    assert (response.status, response.error) == (404, "not_found")
    assert "01JNOSUCHTASK0000000000000" in response.body["message"]


@pytest.mark.parametrize(
    "file_name",
    [
        "",
        "   ",
        "x" * (FILE_NAME_MAX_LENGTH + 1),
        ".",
        "..",
        "../../etc/passwd",
        "folder/file.png",
        "C:\\temp\\file.png",
        "line\nbreak.png",
        "nul\x00.png",
        "bell\x07.png",
        "invoice\u202egnp.exe",
        "zero\u200bwidth.png",
    ],
    ids=[
        "empty",
        "blank",
        "too long",
        "dot",
        "dot-dot",
        "path traversal",
        "slash",
        "backslash",
        "newline",
        "NUL",
        "control character",
        "right-to-left override",
        "zero-width space",
    ],
)
def test_a_file_name_that_could_mislead_or_escape_is_refused(uploads: Uploads, file_name: str) -> None:
    response = uploads.start(file_name=file_name)

    assert (response.status, response.error) == (400, "invalid_request")
    assert "fileName" in response.body["message"]


@pytest.mark.parametrize(
    "file_name", ["Q3 report (final).pdf", "Résumé.pdf", "数据.csv", "a" * FILE_NAME_MAX_LENGTH, ".profile"]
)
def test_ordinary_file_names_are_accepted(uploads: Uploads, file_name: str) -> None:
    assert uploads.start(file_name=file_name).status == 201


@pytest.mark.parametrize(
    "content_type", ["text/html", "image/svg+xml", "application/octet-stream", "text/plain; charset=utf-8"]
)
def test_a_type_off_the_allowlist_is_unsupported(uploads: Uploads, content_type: str) -> None:
    response = uploads.start(content_type=content_type)

    assert (response.status, response.error) == (415, "unsupported_media_type")
    assert "image/png" in response.body["message"]
    assert uploads.listing() == []


def test_a_size_over_the_default_limit_is_too_large(uploads: Uploads) -> None:
    response = uploads.start(size=DEFAULT_ATTACHMENT_MAX_BYTES + 1)

    assert (response.status, response.error) == (413, "payload_too_large")
    assert str(DEFAULT_ATTACHMENT_MAX_BYTES) in response.body["message"]
    assert uploads.start(size=DEFAULT_ATTACHMENT_MAX_BYTES).status == 201


def test_the_limit_comes_from_the_environment(uploads: Uploads, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_ATTACHMENT_MAX_BYTES, "1000")

    assert uploads.start(size=1001).status == 413
    assert uploads.start(size=1000).status == 201


@pytest.mark.parametrize(
    "body",
    [
        {"fileName": "a.png", "contentType": "image/png", "size": 0},
        {"fileName": "a.png", "contentType": "image/png", "size": -5},
        {"fileName": "a.png", "contentType": "image/png", "size": "ten"},
        {"fileName": "a.png", "contentType": "image/png"},
        {"fileName": "a.png", "contentType": "", "size": 10},
        {"fileName": "a.png", "contentType": "image/png", "size": 10, "public": True},
    ],
    ids=["zero size", "negative size", "size not a number", "no size", "empty type", "unknown field"],
)
def test_a_malformed_declaration_is_a_bad_request(uploads: Uploads, body: dict[str, Any]) -> None:
    response = uploads.api.call("POST", uploads.path(), "editor", json_body=body)

    assert (response.status, response.error) == (400, "invalid_request")
    assert uploads.listing() == []
