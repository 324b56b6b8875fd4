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
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from soak_http import (
    HOST,
    PDF_ROUNDS,
    RACERS,
    RESUBMITS,
    Skip,
    SoakError,
)
from soak_scenarios import Result, Run
from soak_stack import App, Database

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
