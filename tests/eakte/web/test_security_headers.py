"""Every page and API answer tells the browser to run nothing foreign, frame nothing, sniff
nothing, leak no address and keep no copy; static assets alone may be cached."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
import pytest

import eakte.web
from tests.support.web import browser, sign_in
from tests.support.world import BAU_AZ, World

TEMPLATES = Path(eakte.web.__file__).parent / "templates"
# the retention report `eakte retention report` writes to a file; never served
PAGES_ONLY_FOR_FILES = {"aufbewahrung_bericht.html"}


def _answers(world: World) -> dict[str, httpx.Response]:
    doc = world.ids["baugenehmigung"]
    clerk = browser(world.client.app)
    answers = {"sign-in page": clerk.get("/ui/anmelden")}
    answers["signed in"] = sign_in(clerk, world.tokens["registratur"])
    answers |= {
        "search page": clerk.get("/ui/", params={"q": "Musterstadt"}),
        "document page": clerk.get(f"/ui/dokumente/{doc}"),
        "page preview": clerk.get(f"/ui/dokumente/{doc}/seiten/1.png"),
        "pdf from the pages": clerk.get(f"/ui/dokumente/{doc}/pdf"),
        "akte page": clerk.get(f"/ui/akten/{BAU_AZ}"),
        "retention page": clerk.get("/ui/aufbewahrung"),
        "error page": clerk.get("/ui/dokumente/00000000-0000-0000-0000-000000000000"),
        "api search": world.get("/api/v1/search", q="Musterstadt"),
        "api document": world.get(f"/api/v1/documents/{doc}"),
        "api pdf": world.get(f"/api/v1/documents/{doc}/pdf"),
        "api original": world.get(f"/api/v1/documents/{doc}/original"),
        "api preview": world.get(f"/api/v1/documents/{doc}/pages/1.png"),
        "api akte": world.get(f"/api/v1/files/{BAU_AZ}"),
        "api 401": world.get("/api/v1/search", None),
        "api 404": world.get("/api/v1/documents/00000000-0000-0000-0000-000000000000"),
        "api 422": world.get("/api/v1/search", date_from="2024-13-45"),
    }
    return answers


def test_every_page_and_api_answer_carries_the_security_headers(world: World) -> None:
    for what, response in _answers(world).items():
        headers = response.headers
        policy = headers.get("content-security-policy", "")
        csp = {d.strip().split(" ")[0]: d.strip() for d in policy.split(";")}
        assert csp.get("default-src") == "default-src 'self'", what
        assert csp.get("frame-ancestors") == "frame-ancestors 'none'", what
        assert csp.get("object-src") == "object-src 'none'", what
        assert "unsafe-inline" not in headers["content-security-policy"], what
        assert headers.get("x-frame-options") == "DENY", what
        assert headers.get("x-content-type-options") == "nosniff", what
        assert headers.get("referrer-policy") == "same-origin", what
        assert headers.get("cache-control") == "no-store", what


def test_static_assets_may_be_cached_but_are_not_sniffed(world: World) -> None:
    css = world.client.get("/static/eakte.css")
    assert css.status_code == 200
    assert css.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in css.headers.get("cache-control", "")


@pytest.mark.parametrize(
    "template", sorted({p.name for p in TEMPLATES.glob("*.html")} - PAGES_ONLY_FOR_FILES)
)
def test_served_templates_have_no_inline_script_or_style(template: str) -> None:
    html = (TEMPLATES / template).read_text("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert "<style" not in html and not re.search(r"\sstyle=", html), "inline style"
    assert not re.search(r"\son[a-z]+=", html), "event handler attribute"


def test_the_api_description_page_allows_its_own_script_only(world: World) -> None:
    """/docs (Swagger UI) needs its bundle and one inline script: the policy names that
    script by its hash, so no other inline script would run."""
    docs = world.client.get("/docs")
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and docs.headers["x-frame-options"] == "DENY"
    inline = re.findall(r"<script>(.*?)</script>", docs.text, re.S)
    assert inline
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
