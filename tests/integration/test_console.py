"""The support console's log-in, search and guards (issue 16), over real
HTTP on a real server, on both stores: the session cookie's flags, the CSRF
value every form needs, the search within the caller's establishments
(accents and case ignored), a revoked token's session ended, and no name in a
page's title or URL. The pages in a real browser: tests/browser/."""

from __future__ import annotations

import http.cookiejar
import unicodedata
from urllib.parse import urlsplit

from events.access import Role
from tests.api_tokens import issue
from tests.console_client import Console
from tests.integration.console_world import NOW, both_backends, world_fixture

backend = both_backends()
world = world_fixture("console")


def shouted(text: str) -> str:
    """``text`` as someone types it in a hurry: capitals, no accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).upper()


def test_a_page_without_a_session_leads_to_the_login_form(world):
    page = Console(world.url).get("/console")
    assert page.status == 200 and page.url.endswith("/console/login")
    assert page.tree.xpath("//label[@for='token']") and page.tree.xpath("//input[@id='token'][@type='password']")


def test_a_wrong_token_is_refused_on_the_form_and_opens_no_session(world):
    console = Console(world.url)
    page = console.log_in("entsync_0000000000_" + "x" * 43)
    assert page.status == 401 and "Jeton refusé" in page.text()
    assert console.cookie("entsync_console") is None
    assert console.get("/console").url.endswith("/console/login")


def test_logging_in_sets_an_httponly_strict_cookie_and_no_token_anywhere_in_the_page(world):
    console = Console(world.url)
    page = console.log_in(world.tokens["reader"])
    assert page.status == 200 and page.url.endswith("/console") and "console-support" in page.text()
    cookie = console.cookie("entsync_console")
    assert cookie is not None and cookie.path == "/console"
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.get_nonstandard_attr("SameSite") == "strict"
    assert world.tokens["reader"] not in page.body and world.tokens["reader"] not in page.url
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_a_form_posted_without_its_csrf_value_or_from_another_origin_is_refused(world):
    console = Console(world.url)
    console.log_in(world.tokens["reader"])
    family = world.person_mine["family"]
    assert console.post("/console/search", {"q": family, "csrf": "forged"}).status == 403
    csrf = console.get("/console").csrf()
    assert console.post("/console/search", {"q": family, "csrf": csrf}, origin="https://evil.example").status == 403
    assert console.post("/console/search", {"q": family, "csrf": csrf}).status == 200


def test_the_login_form_itself_needs_its_own_csrf_value(world):
    console = Console(world.url)
    console.get("/console/login")
    page = console.post("/console/login", {"token": world.tokens["reader"], "csrf": "forged"})
    assert page.status == 403 and console.cookie("entsync_console") is None


def test_search_finds_a_person_of_the_callers_establishment_by_name_accents_and_case_ignored(world):
    console = Console(world.url)
    console.log_in(world.tokens["reader"])
    person = world.person_mine
    for typed in (f"{person['family']} {person['given']}", shouted(f"{person['given']}  {person['family']}")):
        page = console.search(typed)
        links = page.tree.xpath("//table//a/@href")
        assert f"/console/accounts/{person['account_id']}" in links, typed
        assert person["family"] not in page.title() and person["family"] not in page.url


def test_search_does_not_find_a_person_of_another_establishment_but_an_operator_does(world):
    other = world.person_other
    scoped = Console(world.url)
    scoped.log_in(world.tokens["etab-admin"])
    page = scoped.search(f"{other['family']} {other['given']}")
    assert page.status == 200 and "Aucune personne ne correspond" in page.text()
    assert other["account_id"] not in page.body
    operator = Console(world.url)
    operator.log_in(world.tokens["operator"])
    assert f"/console/accounts/{other['account_id']}" in operator.search(
        f"{other['given']} {other['family']}"
    ).tree.xpath("//table//a/@href")


def test_search_by_an_exact_key_finds_the_account(world):
    console = Console(world.url)
    console.log_in(world.tokens["reader"])
    row = world.ctx.db.query_dicts(
        "SELECT jointure, login FROM accounts WHERE account_id = ?", (world.person_mine["account_id"],)
    )[0]
    for key in (row["jointure"], row["login"].upper()):
        assert f"/console/accounts/{world.person_mine['account_id']}" in console.search(key).body, key


def test_logging_out_ends_the_session_on_the_server(world):
    console = Console(world.url)
    console.log_in(world.tokens["reader"])
    sid = console.cookie("entsync_console").value
    page = console.post("/console/logout", {"csrf": console.get("/console").csrf()})
    assert page.status == 200 and page.url.endswith("/console/login")
    again = Console(world.url)
    again.jar.set_cookie(_cookie("entsync_console", sid, world.url))  # the copied cookie, replayed
    assert again.get("/console").url.endswith("/console/login")


def test_a_revoked_token_ends_its_sessions_at_the_next_page(world):
    secret = issue(world.ctx, "console-gone", Role.READER, (world.mine,))
    console = Console(world.url)
    assert console.log_in(secret).url.endswith("/console")
    assert world.ctx.tokens.revoke("console-gone", NOW)
    assert console.get("/console").url.endswith("/console/login")


def _cookie(name: str, value: str, url: str):
    host = urlsplit(url).hostname
    return http.cookiejar.Cookie(0, name, value, None, False, host, False, False, "/console", True, False, None,
                                 False, None, None, {})  # fmt: skip


def test_behind_a_tls_proxy_the_session_cookie_is_secure(world):
    console = Console(world.url)
    form = console.get("/console/login")
    req_headers = {"X-Forwarded-Proto": "https"}
    page = console.post("/console/login", {"token": world.tokens["reader"], "csrf": form.csrf()}, headers=req_headers)
    assert page.status == 200
    cookie = console.cookie("entsync_console")
    assert cookie is not None and cookie.secure
