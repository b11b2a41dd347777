"""A console client for the tests without a browser (issue 16): real HTTP to
a real server, cookies kept as a browser keeps them, the forms' CSRF value
read from the page like a browser sends it back. The browser tests
(tests/browser/) drive Chromium itself."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from lxml import html


@dataclass
class Page:
    status: int
    url: str
    headers: dict[str, str]
    body: str

    @property
    def tree(self) -> html.HtmlElement:
        return html.fromstring(self.body)

    def text(self) -> str:
        return " ".join(self.tree.text_content().split())

    def title(self) -> str:
        return self.tree.findtext(".//title") or ""

    def csrf(self) -> str:
        values = self.tree.xpath("//input[@name='csrf']/@value")
        assert values, "no form with a csrf value on this page"
        return str(values[0])


class Console:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self.base + path))

    def post(
        self, path: str, fields: dict[str, str], origin: str | None = "same", headers: dict[str, str] | None = None
    ) -> Page:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        if origin:
            headers["Origin"] = self.base if origin == "same" else origin
        body = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, headers=headers, method="POST"))

    def log_in(self, token: str) -> Page:
        form = self.get("/console/login")
        return self.post("/console/login", {"token": token, "csrf": form.csrf()})

    def search(self, text: str) -> Page:
        home = self.get("/console")
        return self.post("/console/search", {"q": text, "csrf": home.csrf()})

    def cookie(self, name: str) -> http.cookiejar.Cookie | None:
        return next((c for c in self.jar if c.name == name), None)

    def _open(self, req: urllib.request.Request) -> Page:
        try:
            with self.opener.open(req, timeout=30) as resp:
                return Page(resp.status, resp.url, dict(resp.headers), resp.read().decode())
        except urllib.error.HTTPError as exc:
            return Page(exc.code, exc.url, dict(exc.headers), exc.read().decode())
