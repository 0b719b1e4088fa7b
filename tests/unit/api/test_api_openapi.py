"""The committed OpenAPI document is exactly what the code generates."""

import json

from tools.openapi_document import DEFAULT_OUTPUT, render


def test_docs_openapi_json_is_up_to_date() -> None:
    committed = DEFAULT_OUTPUT.read_text(encoding="utf-8") if DEFAULT_OUTPUT.exists() else ""

    assert render() == committed, "docs/openapi.json is stale: run `make openapi` and commit the result."


def test_document_answers_errors_as_the_catalogue() -> None:
    document = json.loads(render())
    operation = document["paths"]["/boards/{boardId}/tasks/{taskId}"]["patch"]

    assert set(operation["responses"]) == {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
        "429",
        "500",
        "503",
    }
    assert operation["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert document["paths"]["/health"]["get"]["security"] == [{}]
    assert set(document["paths"]["/health"]["get"]["responses"]) == {"200", "429", "500"}
    assert "content" not in document["paths"]["/boards/{boardId}"]["delete"]["responses"]["204"]
