"""Deterministic synthetic demo data (design.md section 7: seed_demo).

The builder works in chunks: it bulk-creates patients and pathways (with history rows), then asks
each stage filler, in pathway order, to add that stage's records for the pathways that reached it.
Later stages register their fillers in `STAGE_FILLERS`. Dates are relative to `today` (the anchor),
so a seed and an anchor give the same data.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models
from django.utils import timezone

from accounts.models import User
from accounts.services import sync_roles
from demo.rows import bulk_create_with_history, bulk_insert, insert_rows, new, then, writing
from pathway.core import state
from pathway.core.choices import ExitState, Level, Stage
from pathway.core.models import Aetiology, Pathway, PathwayStatus, Patient, Priority, ReferrerType, Sex, StageTransition
from pathway.core.service_settings import ServiceSettings
from pathway.validators import nhs_number_is_valid

FAMILY_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Hughes",
    "Edwards",
    "Turner",
    "Hill",
    "Cooper",
    "Ward",
    "Morris",
    "Okafor",
    "Nowak",
    "Murphy",
    "Campbell",
    "Kaur",
    "Begum",
    "Ali",
    "Singh",
    "Baker",
    "Price",
    "Bennett",
]
GIVEN_FEMALE = [
    "Margaret",
    "Joan",
    "Patricia",
    "Dorothy",
    "Jean",
    "Eileen",
    "Sheila",
    "Barbara",
    "Irene",
    "Maureen",
    "Sylvia",
    "Brenda",
    "Pauline",
    "Ruth",
    "Anne",
    "Nasreen",
    "Gurpreet",
    "Halina",
]
GIVEN_MALE = [
    "John",
    "David",
    "Michael",
    "Peter",
    "Brian",
    "Kenneth",
    "Alan",
    "Roy",
    "Derek",
    "Trevor",
    "Keith",
    "Colin",
    "Graham",
    "Arthur",
    "Mohammed",
    "Harjit",
    "Tadeusz",
    "Patrick",
]
PRACTICES = [
    "Riverside Surgery",
    "Park Lane Medical Centre",
    "Castle Street Practice",
    "Oakwood Health Centre",
    "Millbrook Family Practice",
    "St Anne's Surgery",
]
ORGANISATIONS = [
    "City General Hospital",
    "County Royal Infirmary",
    "Community Pain Service",
    "Fracture Liaison Service",
]

DEMO_USERS = [
    # username, first, last, role, job title, grade (domain.md 10: consultant or trainee, doctors only),
    # registration number (invented: GMC numbers are seven digits, NMC PINs two digits, a letter, four
    # digits and a letter)
    ("radiologist", "Ravi", "Menon", "Radiologist", "Consultant radiologist", "consultant", "7900001"),
    (
        "trainee",
        "Tariq",
        "Hassan",
        "Radiologist",
        "Specialty registrar, interventional radiology",
        "trainee",
        "7900004",
    ),
    ("consultant", "Helen", "Carter", "Consultant", "Consultant interventional radiologist", "consultant", "7900002"),
    (
        "consultant2",
        "Samuel",
        "Adeyemi",
        "Consultant",
        "Consultant interventional radiologist",
        "consultant",
        "7900003",
    ),
    ("nurse", "Grace", "Lewis", "Nurse", "Senior staff nurse, IR day unit", "", "09Z0001E"),
    ("manager", "Mark", "Fielding", "Manager", "Service manager, radiology", "", ""),
]

# The demo trust's details for the documents (Admin, Service settings). Telephone numbers from the
# range Ofcom keeps for drama, so no real line is printed.
DEMO_SERVICE = {
    "trust_name": "Northtown Hospitals NHS Trust (demo)",
    "unit_name": "Interventional Radiology Day Unit",
    "address": "Level 2, Northtown General Hospital\nHospital Road\nNorthtown NT1 2AB",
    "day_phone": "01632 960 111",
    "night_phone": "01632 960 999",
}

# How the demo pathways spread over stages: open pathways at every stage, and closed ones in every
# exit state. Weights give a realistic funnel.
OPEN_STAGE_WEIGHTS = {
    Stage.REFERRAL: 6,
    Stage.SUITABILITY: 8,
    Stage.MRI: 7,
    Stage.PRE_ASSESSMENT: 7,
    Stage.CONSENT: 6,
    Stage.PROCEDURE: 5,
    Stage.RECOVERY: 3,
    Stage.FOLLOW_UP: 8,
}
EXIT_WEIGHTS = {
    ExitState.COMPLETED: 20,
    ExitState.NOT_SUITABLE: 5,
    ExitState.PATIENT_DECLINED: 2,
    ExitState.CONSENT_WITHDRAWN: 1,
    ExitState.DEFERRED_UNFIT: 2,
    ExitState.DID_NOT_ATTEND: 1,
    ExitState.TREATED_ELSEWHERE: 1,
    ExitState.DECEASED: 1,
    ExitState.RESOLVED_CONSERVATIVELY: 3,
}
# The furthest stage a pathway reaches before each exit.
EXIT_STAGES = {
    ExitState.COMPLETED: [Stage.FOLLOW_UP],
    ExitState.NOT_SUITABLE: [Stage.SUITABILITY, Stage.MRI],
    ExitState.PATIENT_DECLINED: [Stage.SUITABILITY, Stage.PRE_ASSESSMENT, Stage.CONSENT],
    ExitState.CONSENT_WITHDRAWN: [Stage.CONSENT, Stage.PROCEDURE],
    ExitState.DEFERRED_UNFIT: [Stage.PRE_ASSESSMENT],
    ExitState.DID_NOT_ATTEND: [Stage.PROCEDURE, Stage.MRI],
    ExitState.TREATED_ELSEWHERE: [Stage.SUITABILITY, Stage.MRI],
    ExitState.DECEASED: [Stage.SUITABILITY, Stage.PRE_ASSESSMENT, Stage.FOLLOW_UP],
    ExitState.RESOLVED_CONSERVATIVELY: [Stage.SUITABILITY, Stage.MRI, Stage.PRE_ASSESSMENT],
}
EXIT_REASONS = {
    ExitState.COMPLETED: "",
    ExitState.NOT_SUITABLE: "No oedema at the painful level on MRI; pain not concordant with the fracture.",
    ExitState.PATIENT_DECLINED: "Patient chose to continue with analgesia after discussion.",
    ExitState.CONSENT_WITHDRAWN: "Patient withdrew consent after reflecting at home.",
    ExitState.DEFERRED_UNFIT: "Chest infection; not fit for sedation at present.",
    ExitState.DID_NOT_ATTEND: "Did not attend on the day; two contact attempts made.",
    ExitState.TREATED_ELSEWHERE: "Treated at the tertiary spinal centre.",
    ExitState.DECEASED: "Died of an unrelated cause.",
    ExitState.RESOLVED_CONSERVATIVELY: "Pain settled with conservative management.",
}

_OPEN_STAGES, _OPEN_CUMULATIVE = list(OPEN_STAGE_WEIGHTS), list(accumulate(OPEN_STAGE_WEIGHTS.values()))
_EXITS, _EXIT_CUMULATIVE = list(EXIT_WEIGHTS), list(accumulate(EXIT_WEIGHTS.values()))
_AETIOLOGIES = [Aetiology.OSTEOPOROTIC, Aetiology.MYELOMA, Aetiology.METASTATIC, Aetiology.HAEMANGIOMA]
_AETIOLOGY_CUMULATIVE = list(accumulate([80, 8, 10, 2]))
_PRIORITIES, _PRIORITY_CUMULATIVE = [Priority.ROUTINE, Priority.URGENT], list(accumulate([80, 20]))
_REFERRER_TYPES = ReferrerType.values


@dataclass
class DemoPathway:
    """One planned demo pathway: how far it got and how it ended."""

    pathway: Pathway
    reached: Stage
    exit_state: ExitState | None
    rng: random.Random
    # Day of each stage's entry, filled in as the plan is made (used by fillers for plausible dates).
    stage_dates: dict[Stage, datetime.date] = field(default_factory=dict)
    # When each stage was entered: increasing, and never in the future.
    stage_times: dict[Stage, datetime.datetime] = field(default_factory=dict)
    # Records a filler made that a later stage's filler builds on (the rows are written later, by
    # the writer, so they are handed on here rather than read back).
    suitability: models.Model | None = None
    scan: models.Model | None = None
    findings: list[models.Model] = field(default_factory=list)
    pre_assessment: models.Model | None = None
    medicines: list[models.Model] = field(default_factory=list)

    def treatable_levels(self) -> list[str]:
        """The MRI review's treatable levels (the planned levels), in spinal order."""
        return sorted((f.level for f in self.findings if f.treatable), key=Level.sort_key)

    def reached_stage(self, stage: Stage) -> bool:
        return self.reached.index >= Stage(stage).index

    def completed_stage(self, stage: Stage) -> bool:
        """The stage's own record is complete: the pathway moved past it, or completed."""
        return self.reached.index > Stage(stage).index or self.exit_state == ExitState.COMPLETED


def _store_state(ids: list[int]) -> None:
    """The stored state of new pathways (none stored yet), computed from their rows and inserted in
    one batch: what `state.rebuild` does, without its delete and the ORM's per-row objects."""
    rows = state.compute(ids)
    insert_rows(state.PathwayState, [new(state.PathwayState, pathway_id=pk, **values) for pk, values in rows.items()])


Filler = Callable[["DemoBuilder", list[DemoPathway]], None]
STAGE_FILLERS: list[tuple[Stage, Filler]] = []


def register_filler(stage: Stage) -> Callable[[Filler], Filler]:
    """Stage modules register a function that bulk-creates their records for a chunk of pathways."""

    def decorator(func: Filler) -> Filler:
        STAGE_FILLERS.append((stage, func))
        STAGE_FILLERS.sort(key=lambda item: item[0].index)
        return func

    return decorator


def nhs_numbers(start: int = 0):
    """Valid NHS numbers from the 999 range reserved for testing, in a fixed order."""
    k = start
    while True:
        candidate = f"999{k:06d}"
        for check in range(10):
            number = candidate + str(check)
            if nhs_number_is_valid(number):
                yield number
                break
        k += 1


class DemoBuilder:
    def __init__(self, *, pathways: int, seed: int, today: datetime.date | None = None, chunk: int = 1000):
        self.count = pathways
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.chunk = chunk
        self.users: dict[str, User] = {}

    # -- users --------------------------------------------------------------------------------------
    def ensure_users(self) -> dict[str, User]:
        sync_roles()
        # One hash (salted once) for every demo user: hashing is deliberately slow, and the password
        # is the same published demo password for all of them.
        password_hash = make_password(settings.DEMO_PASSWORD)
        if not ServiceSettings.objects.exists():
            ServiceSettings.objects.create(**DEMO_SERVICE)
        for username, first, last, role, title, grade, registration in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "job_title": title,
                    "grade": grade,
                    "registration_number": registration,
                },
            )
            if created:
                user.password = password_hash
                user.save()
            elif user.grade != grade:
                user.grade = grade
                user.save(update_fields=["grade"])
            user.groups.set([Group.objects.get(name=role)])
            self.users[username] = user
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "first_name": "Service", "last_name": "Administrator"},
        )
        if created:
            admin.password = password_hash
            admin.save()
        self.users["admin"] = admin
        return self.users

    @property
    def consultants(self) -> list[User]:
        return [self.users["consultant"], self.users["consultant2"]]

    # -- planning -----------------------------------------------------------------------------------
    def _plan_one(self, rng: random.Random) -> tuple[Stage, ExitState | None]:
        # Cumulative weights worked out once: the same draws as weights=, without the sums per call.
        if rng.random() < 0.55:
            return rng.choices(_OPEN_STAGES, cum_weights=_OPEN_CUMULATIVE)[0], None
        exit_state = rng.choices(_EXITS, cum_weights=_EXIT_CUMULATIVE)[0]
        return rng.choice(EXIT_STAGES[exit_state]), exit_state

    def _stage_dates(self, rng: random.Random, reached: Stage, closed: bool) -> dict[Stage, datetime.date]:
        """Stage entry dates ending near today: typical gaps between stages, in days."""
        gaps = {
            Stage.SUITABILITY: (1, 10),
            Stage.MRI: (3, 21),
            Stage.PRE_ASSESSMENT: (5, 30),
            Stage.CONSENT: (3, 21),
            Stage.PROCEDURE: (5, 30),
            Stage.RECOVERY: (0, 0),
            Stage.FOLLOW_UP: (0, 1),
        }
        offsets = {Stage.REFERRAL: 0}
        total = 0
        for stage in Stage:
            if stage == Stage.REFERRAL:
                continue
            if stage.index > reached.index:
                break
            low, high = gaps[stage]
            total += rng.randint(low, high)
            offsets[stage] = total
        # The pathway has sat at its current stage for a while (longer when closed or following up).
        tail = rng.randint(0, 20)
        if reached == Stage.FOLLOW_UP:
            tail = rng.randint(5, 50)
        if reached == Stage.RECOVERY:
            tail = 0
        if closed:
            tail += rng.randint(10, 200)
        referral = self.today - datetime.timedelta(days=total + tail)
        return {stage: referral + datetime.timedelta(days=off) for stage, off in offsets.items()}

    # -- building -----------------------------------------------------------------------------------
    def build(self) -> int:
        if not STAGE_FILLERS:
            raise RuntimeError("No stage fillers registered: build through demo.seed, which imports them.")
        self.ensure_users()
        already = Patient.objects.count()
        numbers = nhs_numbers(start=already + self.seed * 7919 % 500000)
        existing = set(Patient.objects.values_list("nhs_number", flat=True))
        # A second thread writes each chunk while the next is built, unless the caller holds a
        # transaction (the tests) or the database lives in this connection's memory.
        in_memory = getattr(connection, "is_in_memory_db", lambda: False)()
        made = 0
        with writing(threaded=not connection.in_atomic_block and not in_memory) as writer:
            while made < self.count:
                size = min(self.chunk, self.count - made)
                self._build_chunk(size, numbers, existing, already + made)
                writer.end_chunk()
                made += size
        return made

    def _build_chunk(self, size: int, numbers, existing: set[str], offset: int) -> None:
        rng = self.rng
        patients = []
        for i in range(size):
            number = next(numbers)
            while number in existing:
                number = next(numbers)
            existing.add(number)
            sex = rng.choice([Sex.FEMALE, Sex.FEMALE, Sex.FEMALE, Sex.MALE, Sex.MALE])
            given = rng.choice(GIVEN_FEMALE if sex == Sex.FEMALE else GIVEN_MALE)
            age = rng.randint(55, 92)
            dob = self.today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
            patients.append(
                new(
                    Patient,
                    nhs_number=number,
                    hospital_number=f"D{self.seed:02d}{offset + i + 1:07d}",
                    family_name=rng.choice(FAMILY_NAMES),
                    given_name=given,
                    date_of_birth=dob,
                    sex=sex,
                    phone=f"07700 9{rng.randint(0, 99999):05d}",
                    gp_practice=rng.choice(PRACTICES),
                )
            )
        admin = self.users["admin"]
        patients = bulk_create_with_history(patients, Patient, default_user=admin)
        plans: list[DemoPathway] = []
        pathways = []
        for patient in patients:
            prng = random.Random(rng.random())
            reached, exit_state = self._plan_one(prng)
            dates = self._stage_dates(prng, reached, exit_state is not None)
            times = self._stage_times(dates, prng)
            referral = dates[Stage.REFERRAL]
            consultant = prng.choice(self.consultants)
            onset = referral - datetime.timedelta(days=prng.randint(5, 40))
            pathway = new(
                Pathway,
                patient=patient,
                referral_received_on=referral,
                referrer_type=prng.choice(_REFERRER_TYPES),
                referrer_name=f"Dr {prng.choice(FAMILY_NAMES)}",
                referrer_organisation=prng.choice(ORGANISATIONS),
                aetiology=prng.choices(_AETIOLOGIES, cum_weights=_AETIOLOGY_CUMULATIVE)[0],
                priority=prng.choices(_PRIORITIES, cum_weights=_PRIORITY_CUMULATIVE)[0],
                symptom_onset_on=onset,
                responsible_consultant=consultant,
                current_stage=reached,
                stage_entered_at=times[reached],
                status=PathwayStatus.CLOSED if exit_state else PathwayStatus.OPEN,
                exit_state=exit_state or "",
                exit_reason=EXIT_REASONS[exit_state] if exit_state else "",
                created_at=times[Stage.REFERRAL],
                updated_at=times[reached],
                recorded_by=consultant,
            )
            if reached.index >= Stage.PRE_ASSESSMENT.index:
                planned = dates.get(Stage.PROCEDURE) or (dates[reached] + datetime.timedelta(days=prng.randint(7, 28)))
                if planned < self.today and reached.index < Stage.PROCEDURE.index and not exit_state:
                    # Still waiting for the procedure: it is listed for a day to come.
                    planned = self.today + datetime.timedelta(days=prng.randint(1, 28))
                pathway.planned_procedure_on = planned
            pathways.append(pathway)
            plans.append(
                DemoPathway(
                    pathway=pathway,
                    reached=reached,
                    exit_state=exit_state,
                    rng=prng,
                    stage_dates=dates,
                    stage_times=times,
                )
            )
        for plan in plans:
            if plan.exit_state:
                closed_on = min(
                    self.today, plan.stage_dates[plan.reached] + datetime.timedelta(days=plan.rng.randint(1, 40))
                )
                last = plan.stage_times[plan.reached] + datetime.timedelta(minutes=30)
                plan.pathway.closed_at = min(max(self._at(closed_on, plan.rng), last), timezone.now())
        pathways = bulk_create_with_history(pathways, Pathway, default_user=admin)
        for plan, pathway in zip(plans, pathways, strict=True):
            plan.pathway = pathway
        self._transitions(plans)
        for _stage, filler in STAGE_FILLERS:
            filler(self, plans)
        # Rows inserted in bulk send no save signals: fill the worklist state of the chunk at once,
        # from the rows just written (state.compute, the one definition of the state).
        then(partial(_store_state, [plan.pathway.pk for plan in plans]))

    def _stage_times(self, dates: dict[Stage, datetime.date], rng: random.Random) -> dict[Stage, datetime.datetime]:
        """Entry time of each stage: on its date, after the previous stage, never in the future."""
        times: dict[Stage, datetime.datetime] = {}
        last = None
        for stage in sorted(dates, key=lambda s: s.index):
            at = self._at(dates[stage], rng)
            if last is not None and at <= last:
                at = last + datetime.timedelta(minutes=rng.randint(20, 120))
            times[stage] = last = at
        cap = timezone.now()
        for stage in sorted(times, key=lambda s: s.index, reverse=True):
            if times[stage] > cap:
                times[stage] = cap - datetime.timedelta(minutes=5)
            cap = times[stage] - datetime.timedelta(minutes=1)
        return times

    def _at(self, day: datetime.date, rng: random.Random) -> datetime.datetime:
        hour = rng.randint(8, 17)
        minute = rng.choice([0, 10, 15, 20, 30, 40, 45, 50])
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def _transitions(self, plans: list[DemoPathway]) -> None:
        rows = []
        for plan in plans:
            pathway = plan.pathway
            actor = pathway.responsible_consultant
            rows.append(
                new(
                    StageTransition,
                    pathway=pathway,
                    kind="open",
                    to_stage=Stage.REFERRAL,
                    acting_user=actor,
                    at=plan.stage_times[Stage.REFERRAL],
                )
            )
            previous = Stage.REFERRAL
            for stage in Stage:
                if stage == Stage.REFERRAL or stage.index > plan.reached.index:
                    continue
                rows.append(
                    new(
                        StageTransition,
                        pathway=pathway,
                        kind="advance",
                        from_stage=previous,
                        to_stage=stage,
                        acting_user=actor,
                        at=plan.stage_times[stage],
                    )
                )
                previous = stage
            if plan.exit_state:
                rows.append(
                    new(
                        StageTransition,
                        pathway=pathway,
                        kind="close",
                        from_stage=plan.reached,
                        exit_state=plan.exit_state,
                        acting_user=actor,
                        reason=pathway.exit_reason,
                        at=pathway.closed_at,
                    )
                )
        bulk_insert(rows, StageTransition)
