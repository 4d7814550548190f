"""Every error under /api/ in the API's JSON shape, whatever raised it; pages get a page."""

import ast
from pathlib import Path

import pytest
from django.test import Client

from interview.api.errors import error_body, exception_handler
from interview.domain.errors import ErrorCode, Refusal
from interview.domain.fields import ID_MAX

from .factories import session_for

pytestmark = pytest.mark.django_db


def error_of(response, status: int) -> dict:
    """The error of a JSON error response of this status, in the contract's shape."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def page_of(response, status: int) -> str:
    """The HTML of an error page of this status, in the site's look."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "interview/css/app.css" in html
    assert 'href="/"' in html
    return html


# --- ids beyond the database's keys -------------------------------------------------------


@pytest.mark.parametrize("question_id", [ID_MAX + 1, 2**64, 10**30, 0, -1])
def test_a_session_planning_an_id_beyond_the_keys_is_invalid(api, question_id):
    response = api.post("/api/sessions/", {"title": "x", "question_ids": [question_id]}, "json")
    error = error_of(response, 400)
    assert error["code"] == "invalid"
    assert error["message"].startswith("question_ids")


def test_the_largest_id_is_looked_up_and_missing(api):
    response = api.post("/api/sessions/", {"title": "x", "question_ids": [ID_MAX]}, "json")
    assert error_of(response, 400)["details"] == {"question_ids": [ID_MAX]}
    assert error_of(api.get(f"/api/questions/{ID_MAX}/"), 404)["code"] == "not_found"


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("question_id", [str(ID_MAX + 1), "1" + "0" * 30, "0", "abc"])
def test_a_question_id_in_the_path_beyond_the_keys_is_invalid(api, method, question_id):
    response = getattr(api, method)(f"/api/questions/{question_id}/")
    error = error_of(response, 400)
    assert error["code"] == "invalid"
    assert error["message"].startswith("id: ")


@pytest.mark.parametrize("query", ["page", "page_size", "difficulty"])
@pytest.mark.parametrize("value", [str(ID_MAX + 1), "1" + "0" * 400, "-1" + "0" * 30, "1e400"])
def test_numbers_beyond_the_keys_in_the_query_are_no_server_error(api, bank, query, value):
    response = api.get("/api/questions/", {query: value})
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert error_of(response, response.status_code)["code"] in ("invalid", "not_found")


# --- each status under /api/, and the pages ------------------------------------------------


def test_a_bad_host_header_is_a_json_400_under_the_api_and_a_page_elsewhere():
    client = Client(HTTP_HOST="evil.example")
    assert error_of(client.get("/api/questions/"), 400)["code"] == "invalid"
    assert "Bad request" in page_of(client.get("/"), 400)


def test_a_post_without_the_csrf_token_is_a_json_403(interviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(interviewer)
    response = client.post("/api/sessions/", {"title": "x"}, content_type="application/json")
    assert error_of(response, 403)["code"] == "forbidden"


def test_an_unknown_api_url_is_a_json_404_for_every_method_even_without_csrf():
    client = Client(enforce_csrf_checks=True)
    for method in ("GET", "POST", "PUT", "DELETE"):
        response = client.generic(method, "/api/no/such/thing", "{}", "application/json")
        assert error_of(response, 404)["code"] == "not_found"


def test_an_unknown_page_is_a_page_in_the_sites_look(client):
    assert "Page not found" in page_of(client.get("/no/such/page/"), 404)


def test_a_method_a_resource_does_not_allow_is_a_json_405(api, interviewer):
    session = session_for(interviewer)
    response = api.delete(f"/api/sessions/{session.code}/join")
    assert error_of(response, 405)["code"] == "method_not_allowed"


def test_an_unexpected_exception_is_a_json_500_telling_nothing(interviewer, monkeypatch):
    session = session_for(interviewer)

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("interview.domain.selectors.results_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(interviewer)
    response = client.get(f"/api/sessions/{session.code}/results")
    assert error_of(response, 500) == {"code": "server_error", "message": "Internal server error."}
    assert b"secret detail" not in response.content


def test_an_unexpected_exception_on_a_page_is_a_plain_500_page(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("frontend.views._shell", broken)
    response = Client(raise_request_exception=False).get("/")
    html = page_of(response, 500)
    assert "Something went wrong" in html
    assert "secret detail" not in html
    assert "Traceback" not in html


def test_a_body_that_is_not_json_is_an_unsupported_media_type(api):
    response = api.post("/api/sessions/", {"title": "x"}, format="multipart")
    assert error_of(response, 415)["code"] == "unsupported_media_type"


# --- one refusal type, one vocabulary of codes ---------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
# Where refusals are raised: everything but the tests, which make unknown ones on purpose.
SOURCES = ("interview", "frontend", "server")
REFUSALS = {"Refusal"}

STATUSES = {
    "bad_json": 400,
    "invalid": 400,
    "too_large": 400,
    "unknown_type": 400,
    "not_authenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "conflict": 409,
    "name_taken": 409,
    "in_use": 409,
    "round_closed": 409,
    "session_finished": 409,
    "not_finished": 409,
    "too_many_sessions": 409,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "server_error": 500,
    "error": 500,
}


def test_each_code_answers_with_its_http_status():
    assert {str(code): code.http_status for code in ErrorCode} == STATUSES


def test_a_refusal_carries_its_code_message_details_and_status():
    refusal = Refusal("name_taken", "The name 'Ann' is already taken.", {"name": "Ann"})
    assert refusal.code is ErrorCode.NAME_TAKEN
    assert (refusal.message, str(refusal)) == ("The name 'Ann' is already taken.",) * 2
    assert (refusal.details, refusal.http_status) == ({"name": "Ann"}, 409)
    assert Refusal(ErrorCode.RATE_LIMITED, "slow down").http_status == 429


def test_a_refusal_with_an_unknown_code_is_refused_at_construction():
    with pytest.raises(ValueError, match="'no_such_code' is not a refusal code"):
        Refusal("no_such_code", "Whatever.")


def test_a_refusal_over_http_is_its_code_message_and_details_with_its_status():
    response = exception_handler(Refusal("in_use", "Asked in a session.", ["s1"]), {})
    assert response.status_code == 409
    assert response.data == {
        "error": {"code": "in_use", "message": "Asked in a session.", "details": ["s1"]}
    }
    assert error_body(Refusal("not_found", "Not found.")) == {
        "error": {"code": "not_found", "message": "Not found."}
    }


def _literal_code(call: ast.Call) -> ast.expr | None:
    """The code argument of a ``Refusal(...)`` call: its first, or ``code=``."""
    if call.args:
        return call.args[0]
    return next((kw.value for kw in call.keywords if kw.arg == "code"), None)


def _refusal_codes() -> list[tuple[str, str]]:
    """Every code written out in a ``Refusal(...)`` of the code
    base, as (where, code): a string, or ``ErrorCode.NAME`` as ``ErrorCode.NAME``."""
    found = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in REFUSALS:
                    continue
                code = _literal_code(node)
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    found.append((where, code.value))
                elif isinstance(code, ast.Attribute) and ast.unparse(code.value) == "ErrorCode":
                    found.append((where, f"ErrorCode.{code.attr}"))
    return found


def test_every_refusal_written_in_the_code_base_has_a_known_code():
    found = _refusal_codes()
    assert len(found) > 40, found  # the scan sees the services, the views, the protocol
    known = {str(code) for code in ErrorCode} | {f"ErrorCode.{code.name}" for code in ErrorCode}
    unknown = [(where, code) for where, code in found if code not in known]
    assert unknown == []


def test_the_contract_lists_every_code():
    contract = (ROOT / "docs" / "protocol.md").read_text()
    assert [code for code in map(str, ErrorCode) if f"`{code}`" not in contract] == []
