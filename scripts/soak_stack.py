"""The soak harness's stack: the database under test and the app (gunicorn) it serves (make soak)."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from soak_http import (
    HOST,
    PG_HOST,
    PG_PORT,
    PG_USER,
    SEED_ARGS,
    Skip,
    SoakError,
)

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
