"""The soak harness's HTTP side: a cookie-jar client per user, form parsing, counters (make soak)."""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser

HOST = "127.0.0.1"
PASSWORD = "demo-pass-2026"  # noqa: S105 - the demo users' password (seed_demo)
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
SEED_ARGS = ["--pathways", "60", "--seed", "3"]
RACERS = 10  # concurrent clients in b, c and d
RESUBMITS = 5  # posts of the same body in e
PDF_ROUNDS = 20  # rounds in f
# Stages whose advance form a consultant can post, in the order candidates are tried (recovery moves
# on only through the discharge; the follow-up is completed, not advanced).
ADVANCE_STAGES = ["referral", "suitability", "mri", "pre_assessment", "consent", "procedure"]


class SoakError(Exception):
    """The harness cannot go on with this database (setup failed, server died)."""


class Skip(Exception):
    """A scenario's precondition is missing."""


# --- HTML: forms, messages, errors ----------------------------------------------------------------


class Page(HTMLParser):
    """The forms of a page (every field with its value as a browser would send it), the alert and
    field-error texts, and the title."""

    CAPTURE = ("alert", "invalid-feedback", "errorlist")

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.alerts: list[str] = []
        self.title = ""
        self._form: dict | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None
        self._capture: list | None = None  # [tag, depth, parts]
        self._in_title = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        present = {k for k, _ in attrs}
        if self._capture is not None:
            self._capture[2].append(" ")  # text in separate elements stays separate words
            if tag == self._capture[0]:
                self._capture[1] += 1
        elif self._capture is None and set((a.get("class") or "").split()) & set(self.CAPTURE):
            self._capture = [tag, 1, []]
        if tag == "title":
            self._in_title = True
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        disabled = "disabled" in present
        if tag == "input":
            self._form["fields"].append(
                {
                    "tag": "input",
                    "type": a.get("type", "text").lower(),
                    "name": a.get("name", ""),
                    "value": a.get("value") if "value" in present else None,
                    "checked": "checked" in present,
                    "disabled": disabled,
                }
            )
        elif tag == "select":
            self._select = {
                "tag": "select",
                "name": a.get("name", ""),
                "multiple": "multiple" in present,
                "options": [],
                "disabled": disabled,
            }
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value") if "value" in present else None, "selected": "selected" in present}
            self._option["text"] = ""
            self._select["options"].append(self._option)
        elif tag == "textarea":
            self._textarea = {"tag": "textarea", "name": a.get("name", ""), "value": "", "disabled": disabled}
            self._form["fields"].append(self._textarea)

    def handle_endtag(self, tag):
        if self._capture is not None:
            self._capture[2].append(" ")
        if self._capture is not None and tag == self._capture[0]:
            self._capture[1] -= 1
            if self._capture[1] == 0:
                text = " ".join("".join(self._capture[2]).split())
                if text:
                    self.alerts.append(text)
                self._capture = None
        if tag == "title":
            self._in_title = False
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the newline that follows <textarea>.
            value = self._textarea["value"]
            self._textarea["value"] = value[2:] if value.startswith("\r\n") else value.removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._capture is not None:
            self._capture[2].append(data)
        if self._in_title:
            self.title += data
        if self._textarea is not None:
            self._textarea["value"] += data
        elif self._option is not None:
            self._option["text"] += data

    def form(self, *, action: str | None = None, has_field: str | None = None) -> dict | None:
        for form in self.forms:
            if form["method"] != "post":
                continue
            if action is not None and urllib.parse.urlsplit(form["action"]).path != action:
                continue
            if has_field is not None and not any(f["name"] == has_field for f in form["fields"]):
                continue
            return form
        return None


def form_values(form: dict, *, hidden_only: bool = False) -> list[tuple[str, str]]:
    """What a browser sends for the form as rendered (no button pressed)."""
    out: list[tuple[str, str]] = []
    for f in form["fields"]:
        name = f["name"]
        if not name or f["disabled"]:
            continue
        if f["tag"] == "input":
            kind = f["type"]
            if kind in ("submit", "button", "image", "reset", "file") or (hidden_only and kind != "hidden"):
                continue
            if kind in ("checkbox", "radio"):
                if f["checked"]:
                    out.append((name, f["value"] if f["value"] is not None else "on"))
            else:
                out.append((name, f["value"] or ""))
        elif hidden_only:
            continue
        elif f["tag"] == "select":
            chosen = [o for o in f["options"] if o["selected"]]
            if not chosen and not f["multiple"] and f["options"]:
                chosen = f["options"][:1]
            out.extend((name, o["value"] if o["value"] is not None else o["text"].strip()) for o in chosen)
        elif f["tag"] == "textarea":
            out.append((name, f["value"]))
    return out


def with_values(values: list[tuple[str, str]], overrides: dict) -> list[tuple[str, str]]:
    """Replace fields: a str sets one value, a list several, None removes the field (an unticked box)."""
    out = [(k, v) for k, v in values if k not in overrides]
    for name, value in overrides.items():
        if value is None:
            continue
        out.extend((name, str(v)) for v in (value if isinstance(value, list) else [value]))
    return out


def without_csrf(values) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in values if k != "csrfmiddlewaretoken")


# --- HTTP: one cookie jar per client -------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    path: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def page(self) -> Page:
        return Page(self.text)


@dataclass
class Stats:
    """What one scenario's traffic did (shared by its threads)."""

    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)  # (request, what the 5xx page says)
    problems: list = field(default_factory=list)  # broken connections and failed checks
    messages: Counter = field(default_factory=Counter)  # alert texts seen after posts
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str, status: int, body: bytes) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            if status >= 500:
                title = re.search(rb"<title>(.*?)</title>", body, re.S)
                what = (
                    " ".join(title.group(1).decode("utf-8", "replace").split())
                    if title
                    else body[:120].decode("utf-8", "replace")
                )
                self.server_errors.append(f"{method} {path}: {status} {what}"[:200])

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text[:300])

    def message(self, text: str) -> None:
        with self.lock:
            self.messages[text[:160]] += 1

    @property
    def fivexx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


class Client:
    """One browser: its own cookies (session, CSRF), one request per connection."""

    def __init__(self, port: int, username: str, deadline: float):
        self.port = port
        self.username = username
        self.deadline = deadline
        self.jar: dict[str, str] = {}
        self.stats = Stats()

    def request(self, method: str, path: str, fields=None, referer: str | None = None) -> Response:
        assert path.startswith("/"), path
        base = f"http://{HOST}:{self.port}"
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "vp-soak/1", "Connection": "close"}
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = None
        if method == "POST":
            body = urllib.parse.urlencode(fields or []).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = base + (referer or path)
        timeout = max(1.0, min(60.0, self.deadline - time.monotonic() + 5))
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.stats.problem(f"{method} {path}: connection error {type(exc).__name__}: {exc}")
            with self.stats.lock:
                self.stats.requests += 1
            return Response(0, {}, b"", path)
        finally:
            conn.close()
        for header in resp.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            expired = re.search(r"max-age=0\b", header, re.I) or "1970" in header
            if expired or value in ("", '""'):
                self.jar.pop(name.strip(), None)
            else:
                self.jar[name.strip()] = value
        self.stats.record(method, path, resp.status, data)
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, path)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def submit(self, path: str, fields, referer: str) -> tuple[Response, Response | None]:
        """POST, then follow a redirect as a browser does; the alerts shown are noted."""
        first = self.request("POST", path, fields, referer=referer)
        final = None
        if first.status in (301, 302, 303) and "location" in first.headers:
            target = urllib.parse.urlsplit(first.headers["location"])
            if target.hostname in (None, HOST):
                final = self.get(target.path + (f"?{target.query}" if target.query else ""))
        shown = final if final is not None else first
        if shown.status == 200 and "html" in shown.headers.get("content-type", ""):
            for alert in shown.page().alerts:
                self.stats.message(alert)
        return first, final

    def login(self) -> None:
        page = self.get("/accounts/login/")
        form = page.page().form(has_field="username") if page.status == 200 else None
        if form is None:
            raise SoakError(f"no login form at /accounts/login/ (status {page.status})")
        values = with_values(form_values(form), {"username": self.username, "password": PASSWORD})
        resp = self.request("POST", "/accounts/login/", values, referer="/accounts/login/")
        if resp.status != 302 or "sessionid" not in self.jar:
            raise SoakError(f"login as {self.username} failed (status {resp.status})")


def run_together(funcs) -> list:
    """Start every function at the same moment (a barrier), wait for all, return their results."""
    barrier = threading.Barrier(len(funcs), timeout=60)

    def go(func):
        barrier.wait()
        return func()

    with ThreadPoolExecutor(max_workers=len(funcs)) as pool:
        return list(pool.map(go, funcs))
