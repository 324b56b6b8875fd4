#!/usr/bin/env python3
"""Soak harness: every write stays single under double clicks, resubmits and races (`make soak`).

For SQLite and then PostgreSQL, on a fresh throwaway database each: migrate, sync_roles, seed
60 demo pathways, serve the app with gunicorn on 127.0.0.1, log the demo users in over HTTP (a
cookie jar and CSRF per client, as a browser), run the scenarios below, count what they wrote by
querying the database directly, then stop the server and drop the database.

  a  double submit         one advance form (its hidden fields) posted twice in a row: 1 move
  b  ten-way advance       ten consultants post the same advance at once: 1 move, 0 overrides
  c  ten consent starts    ten consultants start the consent of one pathway at once: 1 draft
  d  NHS-number race       ten clinicians register the same new patient at once: 1 patient
  e  resubmit              one observation set / one complication form posted 5 times: 1 row each
  f  PDF during saves      20 rounds of a manager's consent PDF download racing a nurse's save

Every scenario also expects no 5xx and no broken connection. A missing precondition (no pathway at
the stage it needs) prints SKIP with the reason. Prints one row per scenario as it finishes, then
the whole table as text and as Markdown (for docs/reliability.md). Exits 1 if any scenario failed.

Standard library only (psycopg, a runtime dependency, is used for counting on PostgreSQL when it can
be imported; otherwise psql). Traffic goes to 127.0.0.1 only. Everything is bounded by count and by
the time budget (--budget, 270 s by default).

    python scripts/soak.py                      # both databases
    python scripts/soak.py --databases sqlite   # one
    python scripts/soak.py --app-dir /tmp/vp    # another checkout of the app (e.g. a "before" tree)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import http.client
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

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


# --- the database under test ----------------------------------------------------------------------


class Database:
    """A fresh throwaway database, counted directly (not through the app)."""

    def __init__(self, kind: str, tmp: Path):
        self.kind = kind
        self.tag = f"soak-{os.getpid()}"
        if kind == "sqlite":
            self.path = Path(f"/tmp/{self.tag}.sqlite3")  # noqa: S108 - a throwaway file, removed at the end
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"vp_soak_{os.getpid()}"
            self.url = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.name}"
        self.media = tmp / f"media-{kind}"

    def create(self) -> None:
        if self.kind == "sqlite":
            self._remove_sqlite()
            return
        for tool in ("createdb", "dropdb"):
            if shutil.which(tool) is None:
                raise Skip(f"{tool} not found (PostgreSQL client tools)")
        cmd = ["createdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-w", self.name]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
        if done.returncode != 0:
            raise Skip(f"createdb failed: {done.stderr.strip()[:200]}")

    def drop(self) -> None:
        if self.kind == "sqlite":
            self._remove_sqlite()
            return
        cmd = ["dropdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-w", "--if-exists", "--force", self.name]
        subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603

    def _remove_sqlite(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self.path}{suffix}").unlink()

    def rows(self, sql: str, params=()) -> list[tuple]:
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.path, timeout=30)
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        try:
            import psycopg  # noqa: PLC0415 - a runtime dependency of the app, optional here
        except ImportError:
            return self._psql(sql, params)
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=self.name, autocommit=True) as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchall()

    def _psql(self, sql: str, params) -> list[tuple]:
        def literal(value):
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, int):
                return str(value)
            return "'" + str(value).replace("'", "''") + "'"

        parts = sql.split("?")
        text = parts[0] + "".join(literal(p) + rest for p, rest in zip(params, parts[1:], strict=True))
        cmd = ["psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", self.name, "-w", "-tA", "-F", "\t"]
        done = subprocess.run([*cmd, "-c", text], capture_output=True, text=True, timeout=30, check=True)  # noqa: S603
        out = done.stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def scalar(self, sql: str, params=()):
        value = self.rows(sql, params)[0][0]
        return int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else value

    def ids(self, sql: str, params=()) -> list[int]:
        return [int(row[0]) for row in self.rows(sql, params)]

    # What the scenarios count.
    def moves(self, pathway: int) -> int:
        return self.scalar("SELECT COUNT(*) FROM pathway_stagetransition WHERE pathway_id = ?", (pathway,))

    def overrides(self, pathway: int) -> int:
        sql = "SELECT COUNT(*) FROM pathway_stagetransition WHERE pathway_id = ? AND overridden = ?"
        return self.scalar(sql, (pathway, True))


# --- the app under test ---------------------------------------------------------------------------


class App:
    """Set up the database and serve the app from `app_dir` with gunicorn on a free port."""

    def __init__(self, app_dir: Path, db: Database, log_dir: Path, deadline: float):
        self.app_dir = app_dir
        self.db = db
        self.deadline = deadline
        self.log = log_dir / f"{db.kind}.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.server = ""
        self.env = {
            **os.environ,
            "DATABASE_URL": db.url,
            "DJANGO_DEBUG": "1",
            "DJANGO_MEDIA_ROOT": str(db.media),
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            "DJANGO_SECURE_HTTPS": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def manage(self, *args: str) -> str:
        if self.remaining() < 5:
            raise SoakError(f"out of time before manage.py {args[0]}")
        cmd = [sys.executable, "manage.py", *args]
        try:
            done = subprocess.run(  # noqa: S603 - our own manage.py
                cmd, cwd=self.app_dir, env=self.env, capture_output=True, text=True, timeout=self.remaining()
            )
        except subprocess.TimeoutExpired as exc:
            raise SoakError(f"manage.py {args[0]} ran out of time") from exc
        with self.log.open("a") as log:
            log.write(f"$ {' '.join(cmd)}\n{done.stdout}{done.stderr}\n")
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            raise SoakError(f"manage.py {args[0]} failed: {tail[0][:200]} (log: {self.log})")
        return done.stdout

    def prepare(self) -> None:
        self.db.media.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("sync_roles")
        self.manage("seed_demo", *SEED_ARGS)
        # Bulk demo consents have no stored PDF and reading never makes one: produce the first few, as
        # `make run` does for all of them (scenario f downloads the first signed consent's).
        self.manage("render_consent_documents", "--limit", "5")

    def start(self) -> None:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            self.port = sock.getsockname()[1]
        gunicorn = Path(sys.executable).with_name("gunicorn")
        if gunicorn.exists():
            cmd = [str(gunicorn), "config.wsgi", "--workers", "3", "--threads", "4"]
            cmd += ["--bind", f"{HOST}:{self.port}", "--timeout", "60", "--graceful-timeout", "5"]
            self.server = "gunicorn 3x4"
        else:
            cmd = [sys.executable, "manage.py", "runserver", "--noreload", f"{HOST}:{self.port}"]
            self.server = "runserver"
        log = self.log.open("a")
        log.write(f"$ {' '.join(cmd)}\n")
        log.flush()
        self.proc = subprocess.Popen(  # noqa: S603 - the app server, stopped in stop()
            cmd, cwd=self.app_dir, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        until = time.monotonic() + min(60, self.remaining())
        while time.monotonic() < until:
            if self.proc.poll() is not None:
                raise SoakError(f"the server exited with {self.proc.returncode} (log: {self.log})")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                try:
                    conn.request("GET", "/healthz", headers={"Host": f"{HOST}:{self.port}"})
                    if conn.getresponse().status == 200:
                        return
                finally:
                    conn.close()
            time.sleep(0.3)
        raise SoakError(f"/healthz did not answer 200 within 60 s (log: {self.log})")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


# --- scenarios ------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    database: str
    expected: str
    requests: int | str = "-"
    moves: int | str = "-"
    rows: int | str = "-"
    fivexx: int | str = "-"
    errors: int | str = "-"
    outcome: str = "SKIP"  # OK, FAIL, SKIP
    failures: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def fill(self, stats: Stats) -> None:
        self.requests = stats.requests
        self.fivexx = stats.fivexx
        self.errors = len(stats.problems)
        if stats.fivexx:
            self.failures.append(f"{stats.fivexx} server error(s)")
        if stats.problems:
            self.failures.append(f"{len(stats.problems)} error(s)")
        statuses = ", ".join(f"{s or 'no answer'}x{n}" for s, n in sorted(stats.statuses.items()))
        self.notes.append(f"responses: {statuses}")
        self.notes.extend(f"5xx: {e}" for e in dict.fromkeys(stats.server_errors))
        self.notes.extend(f"error: {p}" for p in dict.fromkeys(stats.problems))
        self.notes.extend(f"shown x{n}: {m}" for m, n in stats.messages.most_common(4))

    def check(self, label: str, got, want) -> None:
        if got != want:
            self.failures.append(f"{label} {got}, expected {want}")

    def finish(self) -> Result:
        self.outcome = "FAIL" if self.failures else "OK"
        return self


def local_now() -> datetime.datetime:
    """Now on the app's clock (Europe/London), a few minutes back; UTC is never ahead of London."""
    try:
        from zoneinfo import ZoneInfo  # noqa: PLC0415

        now = datetime.datetime.now(ZoneInfo("Europe/London"))
    except Exception:  # noqa: BLE001 - no tz database: UTC is behind or equal to London time
        now = datetime.datetime.now(datetime.UTC)
    return now.replace(tzinfo=None) - datetime.timedelta(minutes=3)


def nhs_number(rng: random.Random) -> str:
    """A Modulus-11-valid NHS number (weights 10..2; check 11 is 0, check 10 is not allowed)."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        digits[0] = rng.randint(4, 9)
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


class Run:
    """The scenarios against one served database."""

    def __init__(self, app: App, deadline: float, rng: random.Random):
        self.app = app
        self.db = app.db
        self.deadline = deadline
        self.rng = rng
        self.used: set[int] = set()
        self.setup = Stats()
        self.consultants: list[Client] = []
        self.nurse: Client | None = None
        self.manager: Client | None = None

    def client(self, username: str) -> Client:
        client = Client(self.app.port, username, self.deadline)
        client.stats = self.setup
        return client

    def login_all(self) -> None:
        names = [("consultant", "consultant2")[i % 2] for i in range(RACERS)]
        clients = [self.client(name) for name in [*names, "nurse", "manager"]]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(Client.login, clients))
        self.consultants, self.nurse, self.manager = clients[:RACERS], clients[RACERS], clients[RACERS + 1]

    def use(self, stats: Stats, *clients: Client) -> None:
        for client in clients:
            client.stats = stats

    def release(self, *clients: Client) -> None:
        for client in clients:
            client.stats = self.setup

    def open_at(self, *stages: str) -> list[int]:
        marks = ", ".join("?" for _ in stages)
        sql = f"SELECT id FROM pathway_pathway WHERE status = 'open' AND current_stage IN ({marks}) ORDER BY id"  # noqa: S608
        return [pk for pk in self.db.ids(sql, stages) if pk not in self.used]

    def open_gate_pathway(self) -> tuple[int, str]:
        """An open pathway whose next gate is open (its page says so and offers the advance)."""
        probe = self.consultants[0]
        tried = 0
        for stage in ADVANCE_STAGES:
            for pk in self.open_at(stage):
                tried += 1
                page = probe.get(f"/pathways/{pk}/")
                if page.status != 200:
                    continue
                parsed = page.page()
                if parsed.form(action=f"/pathways/{pk}/advance/") and "The gate is closed" not in page.text:
                    self.used.add(pk)
                    return pk, stage
        raise Skip(f"no open pathway with an open gate to the next stage ({tried} tried)")

    # a. -------------------------------------------------------------------------------------------
    def double_submit(self) -> Result:
        result = Result("a. double submit (advance x2)", self.db.kind, "1 move")
        pk, stage = self.open_gate_pathway()
        result.notes.append(f"pathway {pk} at {stage}")
        client = self.consultants[0]
        stats = Stats()
        self.use(stats, client)
        moves, overrides = self.db.moves(pk), self.db.overrides(pk)
        try:
            path = f"/pathways/{pk}/"
            form = client.get(path).page().form(action=f"{path}advance/")
            if form is None:
                raise Skip(f"the advance form of pathway {pk} disappeared")
            values = form_values(form, hidden_only=True)
            result.notes.append("hidden fields: " + ", ".join(sorted({k for k, _ in values})))
            for _ in range(2):
                client.submit(f"{path}advance/", values, referer=path)
        finally:
            self.release(client)
        result.moves = self.db.moves(pk) - moves
        result.fill(stats)
        result.check("moves", result.moves, 1)
        result.check("overrides", self.db.overrides(pk) - overrides, 0)
        return result.finish()

    # b. -------------------------------------------------------------------------------------------
    def concurrent_advance(self) -> Result:
        result = Result(f"b. {RACERS}-way concurrent advance", self.db.kind, "1 move, 0 overrides")
        pk, stage = self.open_gate_pathway()
        result.notes.append(f"pathway {pk} at {stage}")
        clients = self.consultants
        stats = Stats()
        self.use(stats, *clients)
        moves, overrides = self.db.moves(pk), self.db.overrides(pk)
        path = f"/pathways/{pk}/"
        try:
            bodies = []
            for client in clients:
                form = client.get(path).page().form(action=f"{path}advance/")
                if form is None:
                    raise Skip(f"no advance form on pathway {pk} for {client.username}")
                bodies.append(form_values(form, hidden_only=True))
            if len({tuple(without_csrf(b)) for b in bodies}) != 1:
                result.notes.append("the advance forms differed between clients (besides the CSRF token)")
            result.notes.append("hidden fields: " + ", ".join(sorted({k for k, _ in bodies[0]})))
            run_together(
                [
                    lambda c=c, b=b: c.submit(f"{path}advance/", b, referer=path)
                    for c, b in zip(clients, bodies, strict=True)
                ]
            )
        finally:
            self.release(*clients)
        result.moves = self.db.moves(pk) - moves
        result.fill(stats)
        result.check("moves", result.moves, 1)
        result.check("overrides", self.db.overrides(pk) - overrides, 0)
        return result.finish()

    # c. -------------------------------------------------------------------------------------------
    def consent_pathway(self) -> tuple[int, str]:
        """An open pathway at consent with no consent yet (one is moved there if none is)."""
        sql = (
            "SELECT p.id FROM pathway_pathway p WHERE p.status = 'open' AND p.current_stage = 'consent' "
            "AND NOT EXISTS (SELECT 1 FROM consent_consentrecord c WHERE c.pathway_id = p.id) ORDER BY p.id"
        )
        ready = [pk for pk in self.db.ids(sql) if pk not in self.used]
        if ready:
            return ready[0], ""
        candidates = self.open_at("pre_assessment")
        if not candidates:
            raise Skip("no open pathway at consent without a consent, and none at pre-assessment to move there")
        # Setup, not under test: move one pre-assessment pathway on through the workflow service (the
        # gate if it is open, else a consultant's override), before the server starts.
        code = (
            "import inspect\n"
            "from accounts.models import User\n"
            "from pathway import workflow\n"
            "from pathway.core.choices import Stage\n"
            "from pathway.models import Pathway\n"
            "user = User.objects.get(username='consultant')\n"
            "takes_expected = 'expected_version' in inspect.signature(workflow.advance).parameters\n"
            "def move(p, **kw):\n"
            "    if takes_expected:\n"
            "        kw.update(expected_stage=p.current_stage, expected_version=p.version)\n"
            "    workflow.advance(pathway=p, to_stage=Stage.CONSENT, acting_user=user, **kw)\n"
            "    return p.pk\n"
            "moved = None\n"
            f"for pk in {candidates!r}:\n"
            "    p = Pathway.objects.get(pk=pk)\n"
            "    if not workflow.gate_reasons(p, Stage.CONSENT):\n"
            "        moved = move(p)\n"
            "        break\n"
            "if moved is None:\n"
            f"    p = Pathway.objects.get(pk={candidates[0]})\n"
            "    moved = move(p, override_reason='Soak harness setup: needs a pathway at consent.')\n"
            "print('SOAK-MOVED', moved)\n"
        )
        try:
            out = self.app.manage("shell", "-v0", "-c", code)
        except SoakError as exc:
            raise Skip(f"could not move a pre-assessment pathway to consent for the setup: {exc}") from exc
        found = re.search(r"SOAK-MOVED (\d+)", out)
        if not found:
            raise Skip("could not move a pre-assessment pathway to consent for the setup")
        return int(found.group(1)), " (moved there by the harness before the run)"

    def concurrent_consent_start(self, pk: int | None, setup_note: str) -> Result:
        result = Result(f"c. {RACERS} concurrent consent starts", self.db.kind, "1 consent")
        if pk is None:
            raise Skip(setup_note)
        self.used.add(pk)
        result.notes.append(f"pathway {pk} at consent{setup_note}")
        clients = self.consultants
        stats = Stats()
        self.use(stats, *clients)
        count_sql = "SELECT COUNT(*) FROM consent_consentrecord WHERE pathway_id = ?"
        before, moves = self.db.scalar(count_sql, (pk,)), self.db.moves(pk)
        path, action = f"/pathways/{pk}/consent/", f"/pathways/{pk}/consent/new/"
        try:
            bodies = []
            for client in clients:
                page = client.get(path)
                form = page.page().form(action=action) if page.status == 200 else None
                if form is None:
                    alerts = "; ".join(page.page().alerts[:2]) if page.status == 200 else f"status {page.status}"
                    raise Skip(f"no consent start form on pathway {pk} ({alerts})")
                bodies.append(form_values(form))
            result.notes.append("fields: " + ", ".join(sorted({k for k, _ in bodies[0]})))
            run_together(
                [lambda c=c, b=b: c.submit(action, b, referer=path) for c, b in zip(clients, bodies, strict=True)]
            )
        finally:
            self.release(*clients)
        result.rows = self.db.scalar(count_sql, (pk,)) - before
        result.moves = self.db.moves(pk) - moves
        result.fill(stats)
        result.check("consents", result.rows, 1)
        result.check("moves", result.moves, 0)
        return result.finish()

    # d. -------------------------------------------------------------------------------------------
    def nhs_race(self) -> Result:
        result = Result(f"d. NHS-number race ({RACERS} clients)", self.db.kind, "1 patient")
        while True:
            number = nhs_number(self.rng)
            if not self.db.scalar("SELECT COUNT(*) FROM pathway_patient WHERE nhs_number = ?", (number,)):
                break
        hospital = f"SOAK{self.rng.randint(100000, 999999)}"
        result.notes.append(f"NHS number {number}")
        clients = self.consultants
        stats = Stats()
        self.use(stats, *clients)
        count_sql = "SELECT COUNT(*) FROM pathway_patient WHERE nhs_number = ?"
        total_sql = "SELECT COUNT(*) FROM pathway_patient"
        before, total = self.db.scalar(count_sql, (number,)), self.db.scalar(total_sql)
        path = "/patients/new/"
        patient = {
            "nhs_number": f"{number[:3]} {number[3:6]} {number[6:]}",
            "hospital_number": hospital,
            "family_name": "Soak",
            "given_name": "Harness",
            "date_of_birth": "1948-02-29",
            "sex": "female",
            "phone": "01632 960000",
            "gp_practice": "Soak Test Practice",
        }
        try:
            bodies = []
            for client in clients:
                page = client.get(path)
                form = page.page().form(has_field="nhs_number") if page.status == 200 else None
                if form is None:
                    raise Skip(f"no patient form at {path} (status {page.status})")
                bodies.append(with_values(form_values(form), patient))
            outcomes = run_together(
                [lambda c=c, b=b: c.submit(path, b, referer=path) for c, b in zip(clients, bodies, strict=True)]
            )
        finally:
            self.release(*clients)
        result.rows = self.db.scalar(count_sql, (number,)) - before
        result.fill(stats)
        result.check("patients", result.rows, 1)
        result.check("patients added in all", self.db.scalar(total_sql) - total, 1)
        losers = [first for first, _ in outcomes if first.status != 302]
        silent = [r for r in losers if r.status == 200 and not r.page().alerts]
        if silent:
            result.failures.append(f"{len(silent)} loser(s) got a form page without an error")
        return result.finish()

    # e. -------------------------------------------------------------------------------------------
    def recovery_pathways(self) -> list[int]:
        sql = (
            "SELECT p.id FROM pathway_pathway p WHERE p.status = 'open' AND p.current_stage = 'recovery' "
            "AND EXISTS (SELECT 1 FROM pathway_procedure r WHERE r.pathway_id = p.id) ORDER BY p.id"
        )
        return self.db.ids(sql)

    def observation_values(self, client: Client, pk: int) -> tuple[str, list]:
        path = f"/pathways/{pk}/recovery/observations/new/"
        page = client.get(path)
        form = page.page().form(has_field="respiration_rate") if page.status == 200 else None
        if form is None:
            raise Skip(f"no observation form at {path} (status {page.status})")
        observation = {
            "taken_at": local_now().strftime("%Y-%m-%dT%H:%M"),
            "respiration_rate": "16",
            "spo2": "97",
            "spo2_scale": "1",
            "on_oxygen": None,
            "oxygen_l_min": "",
            "systolic_bp": "132",
            "diastolic_bp": "78",
            "pulse": "74",
            "consciousness": "A",
            "temperature_c": "36.8",
            "pain_nrs": "2",
            "left_leg_power": "5",
            "right_leg_power": "5",
            "left_leg_sensation": "normal",
            "right_leg_sensation": "normal",
            "puncture_site": "dry",
        }
        return path, with_values(form_values(form), observation)

    def observation_count(self, pk: int) -> int:
        sql = (
            "SELECT COUNT(*) FROM pathway_observationset o JOIN pathway_recovery r ON r.id = o.recovery_id "
            "WHERE r.pathway_id = ?"
        )
        return self.db.scalar(sql, (pk,))

    def resubmit_observation(self, pk: int | None) -> Result:
        result = Result(f"e. resubmit observation set (x{RESUBMITS})", self.db.kind, "1 observation set")
        if pk is None:
            raise Skip("no open pathway in recovery with a procedure recorded")
        result.notes.append(f"pathway {pk} in recovery")
        client = self.nurse
        stats = Stats()
        self.use(stats, client)
        before, moves = self.observation_count(pk), self.db.moves(pk)
        try:
            path, values = self.observation_values(client, pk)
            result.notes.append("form token: " + ("yes" if any(k == "form_token" for k, _ in values) else "no"))
            for _ in range(RESUBMITS):
                client.submit(path, values, referer=path)
        finally:
            self.release(client)
        result.rows = self.observation_count(pk) - before
        result.moves = self.db.moves(pk) - moves
        result.fill(stats)
        result.check("observation sets", result.rows, 1)
        result.check("moves", result.moves, 0)
        return result.finish()

    def resubmit_complication(self, pk: int | None) -> Result:
        result = Result(f"e. resubmit complication (x{RESUBMITS})", self.db.kind, "1 complication")
        if pk is None:
            raise Skip("no open pathway in recovery with a procedure recorded")
        result.notes.append(f"pathway {pk} in recovery")
        client = self.nurse
        stats = Stats()
        self.use(stats, client)
        count_sql = "SELECT COUNT(*) FROM pathway_complication WHERE pathway_id = ?"
        before, moves = self.db.scalar(count_sql, (pk,)), self.db.moves(pk)
        path = f"/pathways/{pk}/complications/new/"
        try:
            page = client.get(path)
            form = page.page().form(has_field="onset_at") if page.status == 200 else None
            if form is None:
                raise Skip(f"no complication form at {path} (status {page.status})")
            complication = {
                "risk": "",
                "other_type": "Soak harness: small puncture-site haematoma",
                "onset_at": local_now().strftime("%Y-%m-%dT%H:%M"),
                "detected_at_stage": "recovery",
                "related_level": "",
                "grade_system": "cirse",
                "grade": "1",
                "management": "Pressure applied for ten minutes.",
                "outcome": "resolved",
                "reported_incident_system": None,
                "reported_mhra": None,
            }
            values = with_values(form_values(form), complication)
            result.notes.append("form token: " + ("yes" if any(k == "form_token" for k, _ in values) else "no"))
            for _ in range(RESUBMITS):
                client.submit(path, values, referer=path)
        finally:
            self.release(client)
        result.rows = self.db.scalar(count_sql, (pk,)) - before
        result.moves = self.db.moves(pk) - moves
        result.fill(stats)
        result.check("complications", result.rows, 1)
        result.check("moves", result.moves, 0)
        return result.finish()

    # f. -------------------------------------------------------------------------------------------
    def pdf_during_saves(self, pk: int | None) -> Result:
        result = Result(
            f"f. PDF download during saves ({PDF_ROUNDS} rounds)", self.db.kind, "0 errors, 1 observation set a round"
        )
        sql = (
            "SELECT c.id, c.pathway_id FROM consent_consentrecord c JOIN pathway_pathway p ON p.id = c.pathway_id "
            "WHERE c.signed_at IS NOT NULL ORDER BY (p.id = ?) DESC, (p.status = 'open') DESC, c.id DESC"
        )
        signed = self.db.rows(sql, (pk or 0,))
        if not signed:
            raise Skip("no signed consent to download")
        if pk is None:
            raise Skip("no open pathway in recovery for the nurse to save on")
        consent, consent_pathway = (int(v) for v in signed[0])
        pdf = f"/pathways/{consent_pathway}/consent/{consent}/pdf/"
        result.notes.append(f"consent {consent} of pathway {consent_pathway}; nurse saves on pathway {pk}")
        docs_sql = "SELECT COUNT(*) FROM consent_consentdocument WHERE consent_id = ?"
        stats = Stats()
        self.use(stats, self.nurse, self.manager)
        before, docs, moves = self.observation_count(pk), self.db.scalar(docs_sql, (consent,)), self.db.moves(pk)
        rounds = 0
        try:
            for _ in range(PDF_ROUNDS):
                if self.deadline - time.monotonic() < 10:
                    stats.problem(f"out of time after {rounds} rounds")
                    break
                path, values = self.observation_values(self.nurse, pk)
                download, (saved, _) = run_together(
                    [lambda: self.manager.get(pdf), lambda p=path, v=values: self.nurse.submit(p, v, referer=p)]
                )
                rounds += 1
                if download.status != 200 or not download.body.startswith(b"%PDF"):
                    stats.problem(f"round {rounds}: PDF download status {download.status}, not a PDF")
                elif download.headers.get("x-content-sha256") not in (None, hashlib.sha256(download.body).hexdigest()):
                    stats.problem(f"round {rounds}: PDF bytes do not match their X-Content-SHA256")
                if saved.status != 302:
                    stats.problem(f"round {rounds}: nurse's save answered {saved.status}, not a redirect")
        finally:
            self.release(self.nurse, self.manager)
        result.rows = self.observation_count(pk) - before
        result.moves = self.db.moves(pk) - moves
        written = self.db.scalar(docs_sql, (consent,)) - docs
        result.notes.append(f"consent documents written by the downloads: {written} (reads never write)")
        result.fill(stats)
        result.check("consent documents written by reading", written, 0)
        result.check("observation sets", result.rows, rounds)
        result.check("moves", result.moves, 0)
        return result.finish()


# --- driver ---------------------------------------------------------------------------------------

SCENARIOS = [
    ("a. double submit (advance x2)", "1 move"),
    (f"b. {RACERS}-way concurrent advance", "1 move, 0 overrides"),
    (f"c. {RACERS} concurrent consent starts", "1 consent"),
    (f"d. NHS-number race ({RACERS} clients)", "1 patient"),
    (f"e. resubmit observation set (x{RESUBMITS})", "1 observation set"),
    (f"e. resubmit complication (x{RESUBMITS})", "1 complication"),
    (f"f. PDF download during saves ({PDF_ROUNDS} rounds)", "0 errors, 1 observation set a round"),
]
COLUMNS = ["Scenario", "Database", "Requests", "Moves", "Rows created", "5xx", "Errors", "Expected", "Result"]


def cells(r: Result) -> list[str]:
    return [r.scenario, r.database, *map(str, (r.requests, r.moves, r.rows, r.fivexx, r.errors)), r.expected, r.outcome]


def print_row(r: Result) -> None:
    why = "; ".join(r.failures) if r.outcome == "FAIL" else (r.notes[0] if r.outcome == "SKIP" and r.notes else "")
    print(
        f"{r.outcome:4}  {r.scenario:42} {r.database:8} requests={r.requests} moves={r.moves} "
        f"rows={r.rows} 5xx={r.fivexx} errors={r.errors}" + (f"  -- {why}" if why else ""),
        flush=True,
    )


def skipped(name: str, expected: str, kind: str, reason: str) -> Result:
    return Result(name, kind, expected, notes=[f"SKIP: {reason}"])


def run_database(kind: str, app_dir: Path, tmp: Path, deadline: float, rng: random.Random) -> list[Result]:
    results: list[Result] = []
    db = Database(kind, tmp)
    app = App(app_dir, db, tmp, deadline)
    print(f"== {kind}: preparing a fresh database", file=sys.stderr, flush=True)
    try:
        db.create()
    except Skip as exc:
        return [skipped(name, expected, kind, str(exc)) for name, expected in SCENARIOS]
    try:
        started = time.monotonic()
        app.prepare()
        run = Run(app, deadline, rng)
        # The consent pathway is made ready before the server starts (it may need a setup move).
        try:
            consent_pk, consent_note = run.consent_pathway()
        except Skip as exc:
            consent_pk, consent_note = None, str(exc)
        if consent_pk is not None:
            run.used.add(consent_pk)
        recovery = run.recovery_pathways()
        # f races on the pathway whose consent PDF it downloads when it can; e takes another one.
        signed_sql = "SELECT DISTINCT pathway_id FROM consent_consentrecord WHERE signed_at IS NOT NULL"
        signed = set(db.ids(signed_sql))
        f_pk = next((pk for pk in recovery if pk in signed), recovery[0] if recovery else None)
        e_pk = next((pk for pk in recovery if pk != f_pk), f_pk)
        run.used.update(pk for pk in (e_pk, f_pk) if pk is not None)
        app.start()
        print(
            f"== {kind}: serving on {HOST}:{app.port} ({app.server}); setup took {time.monotonic() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        run.login_all()
        plan = [
            run.double_submit,
            run.concurrent_advance,
            lambda: run.concurrent_consent_start(consent_pk, consent_note),
            run.nhs_race,
            lambda: run.resubmit_observation(e_pk),
            lambda: run.resubmit_complication(e_pk),
            lambda: run.pdf_during_saves(f_pk),
        ]
        for (name, expected), scenario in zip(SCENARIOS, plan, strict=True):
            if deadline - time.monotonic() < 10:
                result = Result(name, kind, expected, outcome="FAIL", failures=["out of time before it ran"])
            else:
                try:
                    result = scenario()
                except Skip as exc:
                    result = skipped(name, expected, kind, str(exc))
            results.append(result)
            print_row(result)
    except SoakError as exc:
        done = {r.scenario for r in results}
        for name, expected in SCENARIOS:
            if name not in done:
                results.append(Result(name, kind, expected, outcome="FAIL", failures=[f"setup: {exc}"]))
                print_row(results[-1])
    finally:
        app.stop()
        db.drop()
        shutil.rmtree(db.media, ignore_errors=True)
    return results


def markdown(results: list[Result]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(" --- " for _ in COLUMNS) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in cells(r)) + " |" for r in results]
    lines.append("")
    for r in results:
        detail = r.failures + r.notes if r.outcome == "FAIL" else r.notes
        if detail:
            lines.append(f"- **{r.scenario}, {r.database}** ({r.outcome}): " + "; ".join(detail).replace("|", "/"))
    return "\n".join(lines)


def text_table(results: list[Result]) -> str:
    rows = [COLUMNS, *(cells(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    out = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--app-dir", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--budget", type=float, default=270, help="seconds for the whole run (default 270)")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if not set(kinds) <= {"sqlite", "postgres"} or not kinds:
        parser.error("--databases takes sqlite and/or postgres")
    app_dir = args.app_dir.resolve()
    if not (app_dir / "manage.py").exists():
        parser.error(f"no manage.py in {app_dir}")

    started = time.monotonic()
    deadline = started + args.budget
    rng = random.Random(os.getpid())
    tmp = Path(tempfile.mkdtemp(prefix=f"soak-{os.getpid()}-"))
    results: list[Result] = []
    try:
        for i, kind in enumerate(kinds):
            # Each database gets an even share of what is left.
            share = (deadline - time.monotonic()) / (len(kinds) - i)
            results += run_database(kind, app_dir, tmp, time.monotonic() + share, rng)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    failed = [r for r in results if r.outcome == "FAIL"]
    # A scenario skipped because a page answered 5xx is a failure, and so is a run where nothing ran.
    failed += [r for r in results if r.outcome == "SKIP" and any("(status 5" in note for note in r.notes)]
    if results and all(r.outcome == "SKIP" for r in results):
        failed = failed or results
    print()
    print(text_table(results))
    print()
    print(f"<!-- make soak: {len(results)} scenario rows in {time.monotonic() - started:.0f} s -->")
    print(markdown(results))
    if failed:
        print(f"\n{len(failed)} scenario row(s) FAILED. Server and setup logs: {tmp}", file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nAll {len(results)} scenario rows passed or were skipped.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
