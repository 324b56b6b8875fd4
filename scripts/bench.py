"""`make bench`: the pages people wait for, under real use, against the app served by gunicorn.

    python scripts/bench.py --database-url postgres://postgres@127.0.0.1:5432/vertebroplasty_bench \
        --pathways 100000

1. Seeds demo data up to --pathways (timed), analyses the tables (PostgreSQL), takes the dashboard's
   snapshot (manage.py refresh_dashboard), collects static files.
2. Starts gunicorn with the repository's gunicorn.conf.py (3 workers of gthread threads), DEBUG off,
   Redis as the shared cache (REDIS_URL, its own database number and key prefix).
3. Phase 1, reads only: each page in turn, 8 concurrent clients (keep-alive, signed in as the page's
   role) for --seconds; requests/s, p50 and p95; the trivial view (/healthz: one SELECT 1) in the
   same run is the yardstick (throughput as % of it).
4. Phase 2, the same reads while a nurse saves one set of observations every 2 s over HTTP (the form
   fetched, then posted, as a browser does): p50/p95 of each page and of the save.
5. The CSV export of every pathway: time to first byte and in total; each worker's resident memory
   and how many requests the server answered.

Prints one table with the machine's load average (the machine is shared: read the figures with it)
and writes it into docs/performance.md under the database and size it ran on.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from soak_http import HOST, form_values, with_values
from soak_http import Page as HtmlPage

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-only-not-a-secret"  # noqa: S105 - a throwaway key for a throwaway database
CLIENTS = 8
WRITE_EVERY = 2.0
AIM_PAGE_P95 = 150
AIM_WRITE_P95 = 200
AIM_SHARE = 20.0


def server_env(args) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_SECURE_HTTPS": "0",
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
        "DJANGO_LOG_LEVEL": "ERROR",
        "REDIS_URL": args.redis_url,
        "DJANGO_CACHE_PREFIX": f"bench-{args.pathways}",
        "DJANGO_MEDIA_ROOT": str(ROOT / "bench-media"),
        "PYTHONUNBUFFERED": "1",
    }


def manage(env, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


# --- the Django side (sessions, sample pathways), in this process ----------------------------------


def setup_django(env) -> None:
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def sessions() -> dict[str, str]:
    """A signed-in, second-factor-verified session cookie per demo role (as the verify page leaves)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    cookies = {}
    for username in ("radiologist", "consultant", "nurse", "manager"):
        user = User.objects.get(username=username)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="bench authenticator", confirmed=True
        )
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        cookies[username] = session.session_key
    return cookies


def samples() -> dict[str, int]:
    from pathway.models import Pathway

    open_ = Pathway.objects.filter(status="open")
    page = open_.filter(current_stage="consent").order_by("id").first() or open_.order_by("id").first()
    ward = open_.filter(current_stage="recovery", procedure__isnull=False).order_by("id").first()
    return {"page": page.pk, "ward": ward.pk}


def counts() -> dict[str, int]:
    from pathway.models import Pathway, StageTransition

    return {
        "pathways": Pathway.objects.count(),
        "open": Pathway.objects.filter(status="open").count(),
        "transitions": StageTransition.objects.count(),
    }


# --- HTTP ----------------------------------------------------------------------------------------


class Browser:
    """One keep-alive connection with a session cookie (and whatever cookies the server sets)."""

    def __init__(self, port: int, session: str):
        self.port = port
        self.jar = {"sessionid": session}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, *, first_byte: bool = False):
        headers = {"Host": f"{HOST}:{self.port}", "Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}:{self.port}{path}"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                ttfb = None
                if first_byte:
                    resp.read(1)
                    ttfb = time.perf_counter() - started
                data = resp.read()
                elapsed = time.perf_counter() - started
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    return 0, b"", time.perf_counter() - started, None
                continue
            for header in resp.msg.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                if name.strip() in ("csrftoken",):
                    self.jar[name.strip()] = rest.split(";", 1)[0]
            if resp.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return resp.status, data, elapsed, ttfb
        raise AssertionError("unreachable")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def hammer(port: int, session: str, path: str, seconds: float) -> dict:
    """CLIENTS clients requesting `path` back to back for `seconds`: times (ms), errors, req/s."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    until = time.monotonic() + seconds

    def client():
        browser = Browser(port, session)
        while time.monotonic() < until:
            status, _, elapsed, _ = browser.request("GET", path)
            with lock:
                times.append(elapsed * 1000)
                if status != 200:
                    errors[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    return {
        "n": len(times),
        "rps": len(times) / wall,
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "errors": errors[0],
    }


class Nurse(threading.Thread):
    """Saves one set of observations every WRITE_EVERY seconds on a patient in recovery."""

    VALUES = {
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

    def __init__(self, port: int, session: str, pathway: int):
        super().__init__(daemon=True)
        self.browser = Browser(port, session)
        self.path = f"/pathways/{pathway}/recovery/observations/new/"
        self.times: list[float] = []
        self.failures = 0
        self.stop = threading.Event()

    def run(self):
        import urllib.parse

        while not self.stop.is_set():
            began = time.monotonic()
            status, data, _, _ = self.browser.request("GET", self.path)
            form = (
                HtmlPage(data.decode("utf-8", "replace")).form(has_field="respiration_rate") if status == 200 else None
            )
            if form is None:
                self.failures += 1
            else:
                values = {**self.VALUES, "taken_at": time.strftime("%Y-%m-%dT%H:%M")}
                body = urllib.parse.urlencode(with_values(form_values(form), values)).encode()
                status, _, elapsed, _ = self.browser.request("POST", self.path, body)
                if status in (302, 303):
                    self.times.append(elapsed * 1000)
                else:
                    self.failures += 1
            self.stop.wait(max(0.0, WRITE_EVERY - (time.monotonic() - began)))


# --- gunicorn ------------------------------------------------------------------------------------


def start_server(env, port: int, log: Path) -> subprocess.Popen:
    try:
        socket.create_connection((HOST, port), timeout=1).close()
    except OSError:
        pass  # free, as it should be
    else:
        raise SystemExit(f"something already listens on {HOST}:{port}: choose another --port")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603 - the app under test, stopped at the end
            [str(gunicorn), "--bind", f"{HOST}:{port}", "--workers", "3"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({log})")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": f"{HOST}:{port}"})
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer /healthz ({log})")


def worker_rss_mb(proc: subprocess.Popen) -> list[float]:
    """Resident memory of each worker (the children of the gunicorn master), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{proc.pid}$", text, re.M):
            match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            if match:
                sizes.append(int(match.group(1)) / 1024)
    return sorted(sizes)


def load() -> str:
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


# --- the run -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pathways", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8.0, help="Per page and phase.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8115")))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    env = server_env(args)

    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "sync_roles")
    setup_django(env)
    existing = counts()["pathways"]
    seed_seconds = None
    if existing < args.pathways:
        print(f"Seeding {args.pathways - existing} pathways...", flush=True)
        started = time.monotonic()
        # A top-up of an earlier, smaller run takes another seed: the demo hospital numbers carry it.
        seed = "1" if existing == 0 else str(2 + existing % 97)
        manage(env, "seed_demo", "--pathways", str(args.pathways - existing), "--seed", seed, "--force")
        seed_seconds = time.monotonic() - started
        print(f"Seeded in {seed_seconds:.0f} s (load {load()}).", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    manage(env, "refresh_dashboard", "--force")
    manage(env, "collectstatic", "--noinput", "-v0")
    cookies, sample, size = sessions(), samples(), counts()
    connection.close()

    log = ROOT / "bench-gunicorn.log"
    proc = start_server(env, args.port, log)
    try:
        rows, extra = run_phases(args, cookies, sample, proc)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    section = report(args, rows, extra, size, seed_seconds, connection.vendor)
    print(section)
    if not args.no_write:
        write(Path(args.output), section, f"{connection.vendor}-{args.pathways}")


def pages(sample: dict[str, int]) -> list[tuple[str, str, str]]:
    return [
        ("Trivial view (`/healthz`, SELECT 1)", "manager", "/healthz"),
        ("Worklist: radiologist", "radiologist", "/"),
        ("Worklist: consultant", "consultant", "/"),
        ("Worklist: nurse", "nurse", "/"),
        ("Worklist: manager (service summary)", "manager", "/"),
        ("Pathway list (`/pathways/`)", "manager", "/pathways/"),
        ("Pathway page", "consultant", f"/pathways/{sample['page']}/"),
        ("Dashboard", "manager", "/dashboard/"),
    ]


def run_phases(args, cookies, sample, proc):
    rows = []
    for label, user, path in pages(sample):
        for _ in range(1):  # a short warm-up per page (first requests of each worker)
            hammer(args.port, cookies[user], path, 1.0)
        before = load()
        reads = hammer(args.port, cookies[user], path, args.seconds)
        rows.append({"label": label, "path": path, "reads": reads, "load_reads": before})
        print(
            f"reads   {label:45} {reads['rps']:7.1f}/s p50 {reads['p50']:6.1f} p95 {reads['p95']:6.1f} "
            f"errors {reads['errors']} load {before}",
            flush=True,
        )
    nurse = Nurse(args.port, cookies["nurse"], sample["ward"])
    nurse.start()
    for row in rows:
        user = next(u for label, u, p in pages(sample) if label == row["label"])
        before = load()
        mixed = hammer(args.port, cookies[user], row["path"], args.seconds)
        row.update(mixed=mixed, load_mixed=before)
        print(
            f"writing {row['label']:45} {mixed['rps']:7.1f}/s p50 {mixed['p50']:6.1f} p95 {mixed['p95']:6.1f} "
            f"errors {mixed['errors']} load {before}",
            flush=True,
        )
    nurse.stop.set()
    nurse.join(timeout=30)
    exporter = Browser(args.port, cookies["manager"])
    status, data, total, ttfb = exporter.request("GET", "/dashboard/export.csv", first_byte=True)
    extra = {
        "write_p50": percentile(nurse.times, 0.5),
        "write_p95": percentile(nurse.times, 0.95),
        "writes": len(nurse.times),
        "write_failures": nurse.failures,
        "export_status": status,
        "export_ttfb": (ttfb or 0) * 1000,
        "export_total": total * 1000,
        "export_lines": data.count(b"\n"),
        "rss": worker_rss_mb(proc),
        "requests": sum(r["reads"]["n"] + r["mixed"]["n"] for r in rows),
        "load_end": load(),
    }
    return rows, extra


def report(args, rows, extra, size, seed_seconds, vendor) -> str:
    trivial = rows[0]
    lines = [
        f"<!-- bench:{vendor}-{args.pathways} -->",
        f"### {vendor_label(vendor)}, {size['pathways']:,} pathways",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} UTC on {os.cpu_count()} CPU cores shared with other work "
        f"({platform.python_implementation()} {platform.python_version()}); {size['pathways']:,} pathways "
        f"({size['open']:,} open), {size['transitions']:,} stage transitions. gunicorn.conf.py: 3 workers "
        f"(gthread), Redis cache. {CLIENTS} concurrent clients per page, {args.seconds:.0f} s per page and phase. "
        f"Load average (1/5/15 min) at the end: {extra['load_end']}.",
        "",
        "| Page | Reads only: req/s | % of trivial | p50 (ms) | p95 (ms) | While a nurse writes: p50 (ms) | p95 (ms) "
        "| Load avg (reads / writing) | Aim met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        reads, mixed = row["reads"], row["mixed"]
        share = 100 * reads["rps"] / trivial["reads"]["rps"] if trivial["reads"]["rps"] else 0
        is_trivial = row is trivial
        met = mixed["p95"] <= AIM_PAGE_P95 and (
            is_trivial
            or row["label"].startswith("Dashboard")
            or row["label"].startswith("Pathway list")
            or share >= AIM_SHARE
        )
        errors = reads["errors"] + mixed["errors"]
        lines.append(
            f"| {row['label']} | {reads['rps']:.1f} | {'' if is_trivial else f'{share:.0f} %'} | {reads['p50']:.0f} "
            f"| {reads['p95']:.0f} | {mixed['p50']:.0f} | {mixed['p95']:.0f} | {row['load_reads'].split('/')[0]} / "
            f"{row['load_mixed'].split('/')[0]} | {'yes' if met and not errors else '**no**'}"
            f"{f' ({errors} errors)' if errors else ''} |"
        )
    write_met = extra["write_p95"] <= AIM_WRITE_P95 and not extra["write_failures"]
    lines += [
        "",
        f"- The nurse's save (POST of one set of observations, every {WRITE_EVERY:.0f} s): p50 "
        f"{extra['write_p50']:.0f} ms, p95 {extra['write_p95']:.0f} ms over {extra['writes']} saves, "
        f"{extra['write_failures']} failed ({'aim met' if write_met else '**aim not met**'}: "
        f"p95 <= {AIM_WRITE_P95} ms).",
        f"- CSV export of every pathway (HTTP {extra['export_status']}, {extra['export_lines'] - 1:,} rows): "
        "first byte "
        f"after {extra['export_ttfb']:.0f} ms, whole file {extra['export_total'] / 1000:.1f} s.",
        f"- Worker memory after {extra['requests']:,} requests: "
        + ", ".join(f"{mb:.0f} MB" for mb in extra["rss"])
        + f" ({'under' if extra['rss'] and max(extra['rss']) < 150 else '**not under**'} 150 MB).",
    ]
    if seed_seconds is not None:
        lines.append(f"- Seeding took {seed_seconds:.0f} s in this run.")
    lines += ["", f"<!-- /bench:{vendor}-{args.pathways} -->"]
    return "\n".join(lines)


def vendor_label(vendor: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def write(path: Path, section: str, tag: str) -> None:
    text = path.read_text() if path.exists() else ""
    pattern = re.compile(rf"<!-- bench:{re.escape(tag)} -->.*?<!-- /bench:{re.escape(tag)} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    elif "<!-- bench:results -->" in text:
        text = text.replace("<!-- bench:results -->", f"<!-- bench:results -->\n\n{section}", 1)
    else:
        text = text.rstrip() + f"\n\n{section}\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
