"""The soak scenarios (a-f): double submits, races, resubmits, PDF downloads during saves (make soak)."""

from __future__ import annotations

import datetime
import hashlib
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from soak_http import (
    ADVANCE_STAGES,
    PDF_ROUNDS,
    RACERS,
    RESUBMITS,
    Client,
    Skip,
    SoakError,
    Stats,
    form_values,
    run_together,
    with_values,
    without_csrf,
)
from soak_stack import App

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
