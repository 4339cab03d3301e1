"""The browser pages over HTTP: where they are, their headers, and that nothing they serve names an
outside URL (the docs and the playground must work with no network, and must not leak a token or a
request to a third party).

The scan is exact: our own files may name no URL at all except the page's own origin; the Swagger UI
files (pinned with `fastapi-offline`) may name exactly the URLs listed below, each of which is an
identifier, a parsing base, a sample value or the text of a link or message, never something the page
fetches. A new version of the package that names another URL fails here until it is looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mock_server.app import create_app
from mock_server.settings import Settings
from mock_server.web.pages import CSP, DOCS_CSP, STATIC_DIR, SWAGGER_UI_DIR, SWAGGER_UI_FILES
from mock_server.web.routes.pages import ASSET_TYPES

URL = re.compile(rb"https?://[^\s\"'`<>()\\]*")
AUTH = {"Authorization": "Bearer alice"}
T2V = "kling/kling-3.0/standard/text-to-video"

# The one URL our files build: a sample still's address on the page's own host (the server reads
# `/__mock/fixtures/<name>` locally whatever the host).
OWN_ORIGIN = {"https://${location.host}/__mock/fixtures/${encodeURIComponent"}

SWAGGER_UI_URLS: dict[str, set[str]] = {
    # XML namespaces of SVG, MathML, XHTML, XLink: identifiers, never fetched
    "namespaces": {
        "http://www.w3.org/1998/Math/MathML", "http://www.w3.org/1999/xhtml", "http://www.w3.org/1999/xlink",
        "http://www.w3.org/2000/svg", "http://www.w3.org/XML/1998/namespace",
    },
    # `$schema` / dialect identifiers, compared as strings by the schema renderer
    "schema identifiers": {
        "http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-06/schema#",
        "http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2019-09/schema",
        "https://json-schema.org/draft/2020-12/schema", "https://spec.openapis.org/oas/3.1/dialect/base",
        "https://spec.openapis.org/oas/3.2/schema/2025-09-17",
    },
    # bases for resolving relative references and URL templates in memory, and scheme prefixes
    "parsing bases": {"https://swagger.io", "https://vladimirgorej.com", "https://base${String", "http://", "https://"},
    # sample values the example generator shows for the `uri`/`iri` formats
    "format examples": {"https://example.com/", "https://example.com/dictionary/{term:1}/{term}", "https://실례.com/"},
    # links drawn into rendered Markdown (hashtags, mentions) and a licence's SPDX page: shown, not fetched
    "link builders": {
        "https://twitter.com/", "https://twitter.com/hashtag/", "https://www.facebook.com/hashtag/",
        "https://instagram.com/", "https://instagram.com/explore/tags/", "https://soundcloud.com/",
        "https://www.tiktok.com/@", "https://www.tiktok.com/tag/", "https://spdx.org/licenses/${a}.html",
    },
    # the text of error and deprecation messages, grammar comments and licence metadata
    "message text": {
        "http://fb.me/use-check-prop-types", "https://reactjs.org/docs/error-decoder.html?invariant=",
        "https://redux.js.org/Errors?code=${s}", "https://github.com/zloirock/core-js",
        "https://github.com/zloirock/core-js/blob/v3.40.0/LICENSE",
        "https://github.com/highlightjs/highlight.js/issues/2277", "https://github.com/highlightjs/highlight.js/issues/2534",
        "https://github.com/highlightjs/highlight.js/issues/2559", "https://github.com/highlightjs/highlight.js/pull/2844",
        "https://datatracker.ietf.org/doc/html/rfc2616#section-2.2", "https://datatracker.ietf.org/doc/html/rfc3986#section-2.1",
        "https://datatracker.ietf.org/doc/html/rfc3986#section-2.2", "https://datatracker.ietf.org/doc/html/rfc3986#section-2.3",
        "https://datatracker.ietf.org/doc/html/rfc3986#section-3.3", "https://datatracker.ietf.org/doc/html/rfc5234#appendix-B.1",
        "https://datatracker.ietf.org/doc/html/rfc6265#section-2.2", "https://datatracker.ietf.org/doc/html/rfc6265#section-4.1.1",
        "https://datatracker.ietf.org/doc/html/rfc6265#section-4.2.1", "https://datatracker.ietf.org/doc/html/rfc6901",
        "https://datatracker.ietf.org/doc/html/rfc6901#section-4", "https://datatracker.ietf.org/doc/html/rfc9110#section-5.6.2",
        "https://www.rfc-editor.org/errata/eid5518", "https://www.rfc-editor.org/errata/eid6937",
        "https://www.rfc-editor.org/errata/eid8242", "https://www.rfc-editor.org/rfc/rfc6570#section-1.5",
        "https://www.rfc-editor.org/rfc/rfc6570#section-2", "https://www.rfc-editor.org/rfc/rfc6570#section-2.1",
    },
    # the default validator badge's service: switched off by `validatorUrl: null` in static/js/docs.js
    # (and the docs' Content-Security-Policy would refuse it)
    "validator (off)": {"https://validator.swagger.io/validator"},
}


def urls_in(data: bytes) -> set[str]:
    return {m.group().decode("utf-8", "replace") for m in URL.finditer(data)}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(clock="manual", cache_dir=tmp_path / "media")
    with TestClient(create_app(settings), base_url="http://mock.test") as client:
        yield client


def test_our_page_files_name_no_url_but_the_pages_own_origin() -> None:
    files = [p for p in STATIC_DIR.rglob("*") if p.suffix in {*ASSET_TYPES, ".html"}]
    assert {p.name for p in files} >= {"playground.html", "playground.js", "playground.css", "docs.html", "docs.js"}
    named = {f"{p.relative_to(STATIC_DIR)}: {u}" for p in files for u in urls_in(p.read_bytes()) - OWN_ORIGIN}
    assert not named, named
    assert urls_in((STATIC_DIR / "js" / "image-picker.js").read_bytes()) == OWN_ORIGIN


def test_the_swagger_ui_files_name_exactly_the_reviewed_urls() -> None:
    found = set().union(*(urls_in((SWAGGER_UI_DIR / name).read_bytes()) for name in SWAGGER_UI_FILES))
    reviewed = set().union(*SWAGGER_UI_URLS.values())
    assert found - reviewed == set(), "URLs nobody has looked at"
    assert reviewed - found == set(), "reviewed URLs no longer there: update the list"


def test_the_served_pages_name_no_outside_url(api: TestClient) -> None:
    for path in ("/playground", "/docs", "/__mock/docs"):
        r = api.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert urls_in(r.content) == set(), path


def test_the_playground_is_served_with_a_strict_content_security_policy(api: TestClient) -> None:
    r = api.get("/playground")
    assert r.headers["content-security-policy"] == CSP == "default-src 'self'"
    # nothing inline for the policy to refuse: scripts are files, no style attributes or handlers
    assert not re.search(r"<script(?![^>]*\ssrc=)", r.text) and "<style" not in r.text
    assert not re.search(r"<[^>]*\s(style|on\w+)=", r.text)
    assert r.headers["x-content-type-options"] == "nosniff"
    docs = api.get("/docs")
    assert docs.headers["content-security-policy"] == DOCS_CSP
    assert "/openapi.json" in docs.text and "/__mock/openapi.json" in api.get("/__mock/docs").text


def test_the_root_redirects_to_the_playground(api: TestClient) -> None:
    r = api.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/playground"


@pytest.mark.parametrize("path", ["/static/js/playground.js", "/static/playground.css", "/static/favicon.png",
                                  "/static/swagger-ui/swagger-ui-bundle.js", "/static/swagger-ui/swagger-ui.css"])
def test_assets_are_served_with_their_types(api: TestClient, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 200 and r.content
    suffix = Path(path).suffix
    assert r.headers["content-type"].startswith(ASSET_TYPES[suffix])


@pytest.mark.parametrize("path", ["/static/playground.html", "/static/../app.py", "/static/%2e%2e/app.py",
                                  "/static/js", "/static/nope.js", "/static/swagger-ui/redoc.standalone.js"])
def test_nothing_else_is_served_from_static(api: TestClient, path: str) -> None:
    r = api.get(path)
    assert (r.status_code, r.json()["error_code"]) == (404, 404001), path


def test_inspect_describes_a_finished_jobs_file(api: TestClient) -> None:
    rid = api.post(f"/v1/models/{T2V}", json={"prompt": "a cat", "duration": 3, "sound": True},
                   headers=AUTH).json()["request_id"]
    assert api.get(f"/__mock/inspect/{rid}").json()["error_code"] == 404001  # not finished yet
    api.post("/__mock/clock/advance", json={"seconds": 3600})
    facts: dict[str, Any] = api.get(f"/__mock/inspect/{rid}").json()
    assert (facts["request_id"], facts["width"], facts["height"], facts["duration"]) == (rid, 1920, 1080, 3.0)
    assert facts["audio"]["codec"] == "aac" and facts["fingerprint"]["magic_ok"]
    assert facts["bytes"] == len(api.get(f"/files/{rid}.mp4").content)
    assert api.get("/__mock/inspect/no-such-job").status_code == 404
