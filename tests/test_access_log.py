"""Who saw what (NHS Care Record Guarantee): every read of patient data writes PatientAccess rows, and a
manager can list and download them for one patient (pathway/core/access_log.py).

The walk: every URL pattern taking a patient or pathway id is opened, for a pathway through the
procedure with a signed and confirmed consent and its documents stored, and must write a row naming
that patient. A new patient page added without registering it with the access log fails here.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone

from consent import services as consent_services
from consent.models import ConsentRecord, DocumentEvent
from interop import gp_letter
from pathway.core import access_log
from pathway.models import Pathway, Patient, PatientAccess, Stage
from pathway.pre_assessment import medicines_letter
from pathway.recovery import discharge_sheet
from tests.factories import (
    ComplicationFactory,
    ConsentRecordFactory,
    EscalationFactory,
    FollowUpFactory,
    PathwayFactory,
    PatientFactory,
    ProcedureFactory,
    RecoveryFactory,
    TreatedLevelFactory,
    UserFactory,
)
from tests.pathway.day_helpers import make_day_pathway

pytestmark = pytest.mark.django_db

# URL keyword arguments naming a patient's record, and the values of the others the walk knows.
RECORD_KWARGS = {"pk", "patient_pk", "consent_id", "document_id", "escalation_pk"}
OTHER_KWARGS = {"phase": "sign_in"}
# Tried in this order; the first to be answered 2xx is the one the walk checks.
WALK_ROLES = ("consultant", "radiologist", "nurse", "manager")


# --- the world the walk opens ------------------------------------------------------------------------


@dataclass
class World:
    patient: Patient
    pathway: Pathway
    consent: ConsentRecord  # signed, confirmed on the day, its PDFs and a paper scan stored
    draft: ConsentRecord  # a new draft beside it (the signing form answers only for a draft)
    document_id: int  # the PDF stored when it was signed
    escalation_id: int  # a NEWS2 escalation in recovery


def build_world(nurse) -> World:
    pathway = make_day_pathway(stage=Stage.FOLLOW_UP)
    consent = ConsentRecord.objects.get(pathway=pathway)
    procedure = ProcedureFactory(pathway=pathway)
    TreatedLevelFactory(procedure=procedure)
    recovery = RecoveryFactory(pathway=pathway)
    escalation = EscalationFactory(observation__recovery=recovery)
    FollowUpFactory(pathway=pathway)
    ComplicationFactory(pathway=pathway)
    signed = consent_services.render_document(
        consent=consent, event=DocumentEvent.SIGNED, event_at=consent.signed_at, acting_user=consent.clinician
    )
    assert consent_services.render_missing_document(consent=consent) is not None  # the confirmed one
    consent.paper_scan.save(f"consent-{consent.pk}-signed.pdf", ContentFile(b"%PDF-1.4\n% scan\n"), save=False)
    ConsentRecord.objects.filter(pk=consent.pk).update(paper_scan=consent.paper_scan.name)
    discharge_sheet.store(pathway=pathway, acting_user=nurse)
    medicines_letter.store(pathway=pathway, pre=pathway.pre_assessment, acting_user=nurse)
    gp_letter.store_at_discharge(pathway=pathway, acting_user=nurse)  # what the discharge also stores
    draft = ConsentRecordFactory(pathway=pathway)
    return World(pathway.patient, pathway, consent, draft, signed.pk, escalation.pk)


@pytest.fixture
def world(reference_data, nurse) -> World:
    return build_world(nurse)


@pytest.fixture
def users(radiologist, consultant, nurse, manager) -> dict:
    return {"radiologist": radiologist, "consultant": consultant, "nurse": nurse, "manager": manager}


# --- the walk ----------------------------------------------------------------------------------------


def url_patterns(resolver=None, namespace="", prefix=""):
    """(URL name, full route, pattern) of every named URL pattern, recursively."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":  # its clinical change views: AccessLoggedAdmin, tested below
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, ns, route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, route, pattern


def answers_get(pattern: URLPattern) -> bool:
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is None:
        return True
    return "get" in view_class.http_method_names and hasattr(view_class, "get")


def record_patterns():
    """The URL patterns naming a patient's record (by patient, pathway, consent or document id) that
    answer GET. POST-only actions (their view's http_method_names) show nothing and are skipped."""
    found = []
    for name, route, pattern in url_patterns():
        converters = set(pattern.pattern.converters)
        if not converters & RECORD_KWARGS:
            continue
        unknown = converters - RECORD_KWARGS - set(OTHER_KWARGS)
        assert not unknown, f"{name}: give the walk a value for {sorted(unknown)} (OTHER_KWARGS)"
        if answers_get(pattern):
            found.append((name, route, pattern))
    return found


def url_for(world: World, name: str, route: str, pattern: URLPattern) -> str:
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "pk":
            kwargs[key] = world.patient.pk if route.startswith("patients/") else world.pathway.pk
        elif key == "patient_pk":
            kwargs[key] = world.patient.pk
        elif key == "consent_id":
            kwargs[key] = world.draft.pk if name == "consent:sign" else world.consent.pk
        elif key == "document_id":
            kwargs[key] = world.document_id
        elif key == "escalation_pk":
            kwargs[key] = world.escalation_id
        else:
            kwargs[key] = OTHER_KWARGS[key]
    return reverse(name, kwargs=kwargs)


def read(client, url: str):
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@dataclass
class Opened:
    name: str
    url: str
    role: str
    rows: list  # the PatientAccess rows the GET wrote


def walk(client, world: World, users: dict, patterns=None) -> list[Opened]:
    """Open every record URL as the first role answered 2xx; returns what each GET wrote. Fails when no
    role can open a URL: the world must be extended so that the new page can answer."""
    opened = []
    for name, route, pattern in patterns or record_patterns():
        url = url_for(world, name, route, pattern)
        statuses = {}
        for role in WALK_ROLES:
            client.force_login(users[role])
            last = PatientAccess.objects.order_by("-id").values_list("id", flat=True).first() or 0
            response = read(client, url)
            statuses[role] = response.status_code
            if 200 <= response.status_code < 300:
                opened.append(Opened(name, url, role, list(PatientAccess.objects.filter(id__gt=last))))
                break
        else:
            pytest.fail(f"No role could open {name} ({url}): {statuses}. Extend the walk's world.")
    return opened


def unlogged(opened: list[Opened], world: World) -> list[str]:
    problems = []
    for page in opened:
        if not page.rows:
            problems.append(f"{page.name}: GET {page.url} as {page.role} wrote no PatientAccess row")
        for row in page.rows:
            if row.patient_id != world.patient.pk or not row.what:
                problems.append(f"{page.name}: wrote {row.patient_id=} {row.what=}")
            if "pathways/" in page.url and row.pathway_id != world.pathway.pk:
                problems.append(f"{page.name}: the row names pathway {row.pathway_id}")
    return problems


def test_the_walk_covers_the_patient_pages():
    names = {name for name, _route, _pattern in record_patterns()}
    assert {"pathway:detail", "pathway:suitability", "pathway:discharge_sheet", "pathway:patient_detail"} <= names
    assert {"consent:consent", "consent:pdf", "consent:document", "consent:scan", "pathway:patient_access_csv"} <= names
    assert {"interop:pathway_fhir", "interop:gp_letter"} <= names
    assert "pathway:advance" not in names and "consent:start" not in names  # POST-only
    assert len(names) >= 27


def test_every_page_naming_a_patient_or_pathway_logs_who_read_it(client, world, users):
    opened = walk(client, world, users)
    assert unlogged(opened, world) == []
    assert len(opened) == len(record_patterns())
    whats = {page.name: [row.what for row in page.rows] for page in opened}
    assert whats["pathway:suitability"] == ["suitability form"]
    assert whats["consent:document"] == ["consent PDF (signed)"]
    assert whats["consent:pdf"] == ["consent PDF (confirmed)"]
    assert whats["pathway:discharge_sheet"] == ["discharge sheet"]
    assert whats["pathway:patient_access"] == ["access log"]
    # One row per response, with the role held and the client address.
    row = next(page for page in opened if page.name == "pathway:detail").rows
    assert [(r.user.username, r.role, r.client, r.what) for r in row] == [
        ("t_consultant", "Consultant", "127.0.0.1", "pathway page")
    ]


# A page of patient data added without registering it with the access log: the walk must catch it.
def _unregistered_page(request, pk):
    from django.http import HttpResponse

    return HttpResponse(f"pathway {pk}")


urlpatterns = [path("pathways/<int:pk>/new-page/", _unregistered_page, name="unregistered_page")]


def test_the_walk_fails_on_a_patient_page_that_is_not_logged(client, world, users, settings):
    from config import urls as project_urls

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [*project_urls.urlpatterns, *urlpatterns]})
    patterns = [p for p in record_patterns() if p[0] in ("unregistered_page", "pathway:detail")]
    assert [p[0] for p in patterns] == ["pathway:detail", "unregistered_page"]
    problems = unlogged(walk(client, world, users, patterns), world)
    url = f"/pathways/{world.pathway.pk}/new-page/"
    assert problems == [f"unregistered_page: GET {url} as consultant wrote no PatientAccess row"]


def clinical_row_counts() -> dict[str, int]:
    """Rows of every table of the pathway and consent apps (history tables included), but the log."""
    counts = {}
    for label in ("pathway", "consent"):
        for model in apps.get_app_config(label).get_models():
            if model is not PatientAccess:
                counts[model._meta.label] = model._default_manager.count()
    return counts


def test_reading_every_page_as_every_role_changes_no_clinical_row(client, world, users):
    lists = [reverse("pathway:patient_list"), reverse("pathway:list"), "/", reverse("dashboard:dashboard")]
    urls = [url_for(world, *p) for p in record_patterns()] + lists + [reverse("dashboard:export")]
    before = clinical_row_counts()
    assert before["pathway.HistoricalPatient"] > 0 and before["consent.ConsentDocument"] == 2
    logged = PatientAccess.objects.count()
    answered = 0
    for user in users.values():
        client.force_login(user)
        for url in urls:
            answered += 200 <= read(client, url).status_code < 300
    assert clinical_row_counts() == before
    assert answered > 3 * len(urls) and PatientAccess.objects.count() > logged + answered - 2 * len(users)


# --- lists, the export, the admin -------------------------------------------------------------------


def access_inserts(context) -> list[str]:
    table = PatientAccess._meta.db_table
    return [q["sql"] for q in context.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"')]


def test_a_list_page_logs_each_patient_shown_in_one_insert(client_for, nurse, reference_data):
    patients = [PathwayFactory().patient for _ in range(30)]
    client = client_for(nurse)
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("pathway:patient_list"))
    assert response.status_code == 200
    assert len(access_inserts(context)) == 1
    shown = [p.pk for p in response.context["page_obj"]]
    assert len(shown) == 25
    rows = PatientAccess.objects.all()
    assert sorted(r.patient_id for r in rows) == sorted(shown)
    assert {(r.what, r.role, r.pathway_id) for r in rows} == {("patient list", "Nurse", None)}

    found = client.get(reverse("pathway:patient_list"), {"q": patients[0].nhs_number})
    assert found.status_code == 200
    latest = PatientAccess.objects.order_by("-id").first()
    assert (latest.patient_id, latest.what) == (patients[0].pk, "patient search results")

    before = PatientAccess.objects.count()
    with CaptureQueriesContext(connection) as context:
        pathways = client.get(reverse("pathway:list"))
    assert len(access_inserts(context)) == 1
    listed = [p.pk for p in pathways.context["page_obj"]]
    new = list(PatientAccess.objects.order_by("-id")[: len(listed)])
    assert PatientAccess.objects.count() == before + len(listed) == before + 25
    assert {r.pathway_id for r in new} == set(listed) and {r.what for r in new} == {"pathway list"}
    assert all(r.patient_id == Pathway.objects.get(pk=r.pathway_id).patient_id for r in new)


def test_a_pathway_page_costs_one_query_for_its_log(client_for, consultant, reference_data):
    pathway = PathwayFactory()
    client = client_for(consultant)
    url = reverse("pathway:detail", args=[pathway.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    table = PatientAccess._meta.db_table
    touching = [q["sql"] for q in context.captured_queries if table in q["sql"]]
    assert len(touching) == 1 == len(access_inserts(context))


def test_worklists_and_the_dashboard_log_the_patients_they_name(client_for, consultant, manager, reference_data):
    waiting = PathwayFactory(current_stage=Stage.SUITABILITY)
    client_for(consultant).get("/")
    row = PatientAccess.objects.get()
    assert (row.patient_id, row.pathway_id, row.what) == (waiting.patient_id, waiting.pk, "worklist")
    overdue = FollowUpFactory(due_on=timezone.localdate() - datetime.timedelta(days=30)).pathway
    response = client_for(manager).get(reverse("dashboard:dashboard"))
    assert [f.pathway_id for f in response.context["figures"].overdue_follow_ups.items] == [overdue.pk]
    rows = PatientAccess.objects.filter(what="dashboard")
    assert overdue.pk in {r.pathway_id for r in rows} and {r.role for r in rows} == {"Manager"}


def test_the_export_writes_one_summary_row(client_for, manager, reference_data):
    for _ in range(3):
        PathwayFactory(aetiology="myeloma")
    PathwayFactory(aetiology="osteoporotic")
    response = client_for(manager).get(reverse("dashboard:export"), {"aetiology": "myeloma"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content).count(b"\n") == 4
    row = PatientAccess.objects.get()
    assert (row.patient_id, row.pathway_id, row.what, row.role) == (None, None, "CSV export", "Manager")
    assert row.detail == "filter: aetiology=myeloma; 3 pathways of 3 patients"


def test_nothing_is_logged_for_a_refusal_a_missing_record_or_a_redirect(client_for, client, nurse, reference_data):
    pathway = PathwayFactory(current_stage=Stage.PRE_ASSESSMENT)
    assert client.get(reverse("pathway:detail", args=[pathway.pk])).status_code == 302  # signed out
    nurse_client = client_for(nurse)
    assert nurse_client.get(reverse("pathway:detail", args=[999999])).status_code == 404
    assert nurse_client.get(reverse("pathway:patient_access", args=[pathway.patient_id])).status_code == 403
    assert nurse_client.post(reverse("pathway:advance", args=[pathway.pk]), {}).status_code == 302
    assert not PatientAccess.objects.exists()
    # A form posted with errors is shown again: a read like any other.
    shown_again = nurse_client.post(reverse("pathway:pre_assessment", args=[pathway.pk]), {"inr": "x"})
    assert shown_again.status_code == 200
    row = PatientAccess.objects.get()
    assert (row.patient_id, row.pathway_id, row.what) == (pathway.patient_id, pathway.pk, "pre-assessment form")


def test_the_admin_change_view_of_a_clinical_row_is_logged(client, reference_data):
    pathway = PathwayFactory()
    consent = ConsentRecordFactory(pathway=pathway)
    admin = UserFactory(username="t_admin", is_staff=True, is_superuser=True)
    admin.save()  # the factory saves the password only with a role
    try:
        from tests.accounts.helpers import login_verified
    except ImportError:  # before the second factor
        client.force_login(admin)
    else:
        login_verified(client, admin)
    pages = {
        "admin: patient": reverse("admin:pathway_patient_change", args=[pathway.patient_id]),
        "admin: pathway": reverse("admin:pathway_pathway_change", args=[pathway.pk]),
        "admin: consent record": reverse("admin:consent_consentrecord_change", args=[consent.pk]),
    }
    for what, url in pages.items():
        assert client.get(url).status_code == 200, url
        row = PatientAccess.objects.order_by("-id").first()
        assert (row.what, row.patient_id, row.user, row.role) == (what, pathway.patient_id, admin, "Administrator")
    assert client.get(reverse("admin:pathway_patient_change", args=[999999])).status_code == 302
    assert PatientAccess.objects.count() == 3


# --- the row ----------------------------------------------------------------------------------------


def test_the_role_is_the_one_held_at_the_time(client_for, make_user, reference_data):
    from django.contrib.auth.models import Group

    user = make_user("Nurse", username="t_changing")
    patient = PatientFactory()
    client = client_for(user)
    client.get(reverse("pathway:patient_detail", args=[patient.pk]))
    user.groups.set([Group.objects.get(name="Manager")])
    client.get(reverse("pathway:patient_detail", args=[patient.pk]))
    assert list(PatientAccess.objects.order_by("id").values_list("role", flat=True)) == ["Nurse", "Manager"]


@pytest.mark.parametrize(
    ("behind_proxy", "meta", "expected"),
    [
        (False, {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "192.0.2.9"}, "10.1.2.3"),
        (True, {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "203.0.113.7, 192.0.2.9"}, "192.0.2.9"),
        (True, {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "not-an-address"}, "10.1.2.3"),
        (True, {"REMOTE_ADDR": "10.1.2.3"}, "10.1.2.3"),
        (False, {"REMOTE_ADDR": "2001:db8::1"}, "2001:db8::1"),
    ],
)
def test_the_client_address(settings, rf, behind_proxy, meta, expected):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if behind_proxy else None
    assert access_log.client_address(rf.get("/", **meta)) == expected


def test_the_access_log_is_append_only(client_for, nurse, reference_data):
    from django.core.exceptions import PermissionDenied

    patient = PatientFactory()
    client_for(nurse).get(reverse("pathway:patient_detail", args=[patient.pk]))
    row = PatientAccess.objects.get()
    row.what = "something else"
    for attempt in (row.save, row.delete, PatientAccess.objects.all().delete):
        with pytest.raises(PermissionDenied):
            attempt()
    with pytest.raises(PermissionDenied):
        PatientAccess.objects.update(what="x")
    assert PatientAccess.objects.get().what == "patient page"


def test_log_lines_name_ids_only(client_for, nurse, reference_data, caplog):
    patient = PatientFactory(family_name="Identifiable")
    with caplog.at_level(logging.DEBUG, logger="pathway.core.access_log"):
        client_for(nurse).get(reverse("pathway:patient_detail", args=[patient.pk]))
    lines = [r.getMessage() for r in caplog.records if r.name == "pathway.core.access_log"]
    assert lines == [f"access.logged view=pathway:patient_detail rows=1 user={nurse.pk}"]
    assert patient.nhs_number not in caplog.text and "Identifiable" not in caplog.text


# --- who has seen this record -------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_only_a_manager_sees_who_has_seen_a_record(client_for, users, reference_data):
    patient = PatientFactory()
    for role, user in users.items():
        client = client_for(user)
        detail = client.get(reverse("pathway:patient_detail", args=[patient.pk])).content.decode()
        link = reverse("pathway:patient_access", args=[patient.pk])
        assert (link in detail) == (role == "manager"), role
        for name in ("pathway:patient_access", "pathway:patient_access_csv"):
            status = client.get(reverse(name, args=[patient.pk])).status_code
            assert status == (200 if role == "manager" else 403), (role, name)


def test_the_manager_downloads_the_log_as_csv(client_for, nurse, manager, reference_data):
    patient = PatientFactory()
    client_for(nurse).get(reverse("pathway:patient_detail", args=[patient.pk]))
    client_for(nurse).get(reverse("pathway:patient_edit", args=[patient.pk]))
    response = client_for(manager).get(reverse("pathway:patient_access_csv", args=[patient.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"access-patient-{patient.pk}.csv" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content).decode()
    assert raw.splitlines()[0] == "time,username,role,what"
    rows = list(csv.reader(io.StringIO(raw)))[1:]
    # Newest first; the download itself is logged as it starts.
    assert [row[1:] for row in rows] == [
        ["t_manager", "Manager", "access log CSV"],
        ["t_nurse", "Nurse", "patient details form"],
        ["t_nurse", "Nurse", "patient page"],
    ]
    for row in rows:
        moment = datetime.datetime.fromisoformat(row[0])
        assert moment.utcoffset() == timezone.localtime().utcoffset()
        assert abs((timezone.now() - moment).total_seconds()) < 60


def test_the_access_page_lists_newest_first_in_pages(client_for, nurse, manager, reference_data):
    patient = PatientFactory()
    nurse_client = client_for(nurse)
    for _ in range(55):
        nurse_client.get(reverse("pathway:patient_detail", args=[patient.pk]))
    client = client_for(manager)
    first = client.get(reverse("pathway:patient_access", args=[patient.pk]))
    page = first.context["page_obj"]
    assert page.paginator.count == 55 and len(page.object_list) == 50
    assert [a.at for a in page.object_list] == sorted((a.at for a in page.object_list), reverse=True)
    assert "Nora Nurse" in first.content.decode() and "patient page" in first.content.decode()
    second = client.get(reverse("pathway:patient_access", args=[patient.pk]), {"page": 2})
    assert len(second.context["page_obj"].object_list) == 6  # 55 reads + the first page's own
    assert PatientAccess.objects.filter(what="access log", user=manager).count() == 2


def test_every_kind_of_read_of_one_patient_appears_in_its_csv(client, world, users):
    """Every page and document of the walk, the lists naming the patient, and the admin."""
    opened = walk(client, world, users)
    for role in ("nurse", "consultant"):
        client.force_login(users[role])
        client.get(reverse("pathway:patient_list"), {"q": world.patient.nhs_number})
        client.get(reverse("pathway:list"))
        client.get("/")
    client.force_login(users["manager"])
    expected = {(users[page.role].username, page.role.capitalize(), row.what) for page in opened for row in page.rows}
    expected |= {
        ("t_nurse", "Nurse", "patient search results"),
        ("t_consultant", "Consultant", "pathway list"),
        ("t_nurse", "Nurse", "worklist"),  # the follow-up due today
    }
    response = client.get(reverse("pathway:patient_access_csv", args=[world.patient.pk]))
    rows = csv_rows(response)
    assert rows[0] == ["time", "username", "role", "what"]
    seen = {tuple(row[1:]) for row in rows[1:]}
    assert expected <= seen, expected - seen
    kinds = {what for _user, _role, what in seen}
    assert {"pathway page", "suitability form", "consent PDF (signed)", "discharge sheet"} <= kinds
