"""Who saw what (NHS Care Record Guarantee): every response showing patient data writes PatientAccess
rows: when, who, in which role, which patient and pathway, what was seen, from which address.

How a read is logged
- `AccessLogMiddleware` (config/settings.py MIDDLEWARE, after authentication) looks, after each
  successful (2xx) GET of a signed-in user (or POST answered with a page), at the URL name the request
  resolved to. A page of the registry below names its patient through the URL: the pathway id or the
  patient id. The middleware writes one row for it.
- The registry (`register`) maps URL names ("namespace:name") to pages. Each app registers its own
  pages from its own modules: pathway in pathway/urls.py, consent in consent/views.py, dashboard in
  dashboard/views.py. Pathway never imports the apps above it.
- A view listing patients reports who it listed (`saw_pathways`, `saw_patients`): one row per patient
  on the page shown, in the same single INSERT. A view may name what it served more precisely
  (`seen_as`: "consent PDF (signed)"). A read too large to log patient by patient (the CSV export)
  writes one summary row without a patient (`saw_summary`). The admin logs its change views through
  `AccessLoggedAdmin`.
- tests/test_access_log.py walks every URL taking a patient or pathway id and fails when one is
  served without a row: a new patient page must be registered here.

Cost: one query per response (an export: two). The rows are written by one INSERT ... SELECT from the
pathway or patient table, which also finds each pathway's patient and the user's role group, so a
page costs one query whatever it lists (no query to load the patient, none to read the role).

Log lines (the `logging` module) carry ids only, never a patient identifier or free text.
"""

from __future__ import annotations

import csv
import ipaddress
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import BigIntegerField, CharField, DateTimeField, F, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from pathway.core.models import Pathway, Patient, PatientAccess

logger = logging.getLogger(__name__)

VIEW_ACCESS_LOG = "pathway.view_patientaccess"  # who has seen a record: the Manager role (accounts/roles.py)

PATHWAY = "pathway"  # the URL's id is a pathway's
PATIENT = "patient"  # the URL's id is a patient's
LISTED = "listed"  # the view reports the patients it listed (saw_pathways / saw_patients)


@dataclass(frozen=True)
class Page:
    what: str
    subject: str = PATHWAY
    kwarg: str = "pk"


def pathway_page(what: str, kwarg: str = "pk") -> Page:
    return Page(what, PATHWAY, kwarg)


def patient_page(what: str, kwarg: str = "pk") -> Page:
    return Page(what, PATIENT, kwarg)


def list_page(what: str) -> Page:
    return Page(what, LISTED, "")


_PAGES: dict[str, Page] = {}


def register(pages: dict[str, Page]) -> None:
    """Declare pages showing patient data, by URL name ("namespace:name"). Idempotent."""
    for name, page in pages.items():
        if _PAGES.get(name, page) != page:
            raise ImproperlyConfigured(f"Access log: {name} is registered twice, differently.")
        _PAGES[name] = page


def registered() -> dict[str, Page]:
    return dict(_PAGES)


# --- what a view reports ----------------------------------------------------------------------------

_SEEN = "_access_seen"
_WHAT = "_access_what"


@dataclass
class _Seen:
    source: object  # a QuerySet, or an iterable of ids read once the page is rendered
    model: type | None = None
    patient: str | None = None  # path from the source's rows to the patient id
    pathway: str | None = None  # path to the pathway id, if any
    what: str | None = None
    detail: str = ""


def saw_pathways(request, pathways: Iterable, *, what: str | None = None) -> None:
    """The view listed these pathways (objects or ids; a Page is read after rendering, from its cache):
    one row per pathway, naming its patient."""
    setattr(request, _SEEN, _Seen(pathways, Pathway, "patient_id", "pk", what))


def saw_patients(request, patients: Iterable, *, what: str | None = None) -> None:
    """The view listed these patients (objects or ids): one row per patient."""
    setattr(request, _SEEN, _Seen(patients, Patient, "pk", None, what))


def saw_rows(request, queryset: QuerySet, *, patient: str, pathway: str | None, what: str) -> None:
    """The view showed these rows of any model: `patient` and `pathway` are the paths from a row to
    the patient and pathway ids ("pathway__patient_id")."""
    setattr(request, _SEEN, _Seen(queryset, None, patient, pathway, what))


def saw_summary(request, *, what: str, detail: str) -> None:
    """A read too large to log by patient (the CSV export): one row, no patient, `detail` saying what."""
    setattr(request, _SEEN, _Seen(None, None, None, None, what, detail or what))


def seen_as(request, what: str) -> None:
    """Name what the response showed more precisely than its page's registered name."""
    setattr(request, _WHAT, what)


# --- reading: who has seen this record ------------------------------------------------------------

CSV_COLUMNS = ["time", "username", "role", "what"]


def accesses_for(patient: Patient) -> QuerySet[PatientAccess]:
    """The patient's access log, newest first (served by the index on patient and time)."""
    return PatientAccess.objects.filter(patient=patient).select_related("user").order_by("-at", "-id")


def csv_lines(patient: Patient) -> Iterator[str]:
    """The patient's access log as CSV lines, newest first, streamed from a database cursor."""
    out = _Line()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    yield out.take()
    rows = accesses_for(patient).values_list("at", "user__username", "role", "what")
    for at, username, role, what in rows.iterator(chunk_size=2000):
        time = timezone.localtime(at).isoformat(timespec="seconds")
        # A spreadsheet must not run a value as a formula (CSV injection).
        writer.writerow([time, *(("'" + v) if v[:1] in ("=", "+", "-", "@") else v for v in (username, role, what))])
        yield out.take()


class _Line:
    def __init__(self):
        self.text = ""

    def write(self, value: str) -> None:
        self.text += value

    def take(self) -> str:
        text, self.text = self.text, ""
        return text


# --- writing ----------------------------------------------------------------------------------------


def client_address(request) -> str:
    """REMOTE_ADDR; behind the TLS proxy (DJANGO_BEHIND_PROXY sets SECURE_PROXY_SSL_HEADER), the
    address the proxy saw: the last of X-Forwarded-For (the proxy appends it; the ones before it are
    whatever the client sent). Only a valid IP address is stored."""
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if _valid(forwarded):
            address = forwarded
    return address if _valid(address) else ""


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _role(user):
    """The user's role group at this moment, read in the INSERT itself (a user holds one role; the
    first by name if several). A superuser without a role is "Administrator", as the menu says."""
    first = Group.objects.filter(user=user.pk).order_by("name").values("name")[:1]
    fallback = "Administrator" if user.is_superuser else ""
    return Coalesce(Subquery(first, output_field=CharField()), Value(fallback), output_field=CharField())


def _columns(request, user, what: str, detail: str) -> dict:
    return {
        "user": Value(user.pk, output_field=BigIntegerField()),
        "role": _role(user),
        "what": Value(what, output_field=CharField()),
        "client": Value(client_address(request), output_field=CharField()),
        "detail": Value(detail, output_field=TextField()),
        "at": Value(timezone.now(), output_field=DateTimeField()),
    }


def _path(path: str | None):
    # A typed NULL: PostgreSQL will not insert an untyped one from a subquery into a bigint column.
    return F(path) if path else Cast(Value(None), output_field=BigIntegerField())


def _insert_select(source: QuerySet, columns: dict) -> int:
    """INSERT INTO the access log SELECT one row per row of `source`: a single query."""
    aliases = {name: f"access_{name}" for name in columns}
    inner = source.order_by().values(**{aliases[name]: expr for name, expr in columns.items()})
    connection = connections[source.db]
    inner_sql, params = inner.query.get_compiler(connection=connection).as_sql()
    qn = connection.ops.quote_name
    opts = PatientAccess._meta
    targets = ", ".join(qn(opts.get_field(name).column) for name in columns)
    selected = ", ".join(f"s.{qn(alias)}" for alias in aliases.values())
    # Every name is the model's own (quoted); every value is a query parameter.
    sql = f"INSERT INTO {qn(opts.db_table)} ({targets}) SELECT {selected} FROM ({inner_sql}) s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def write(request, *, what: str, seen: _Seen) -> int:
    """Write the rows of one response; returns how many."""
    user = request.user
    if seen.source is None:  # a summary row
        PatientAccess.objects.create(
            user=user,
            role=_role(user),
            what=what,
            client=client_address(request),
            detail=seen.detail,
            at=timezone.now(),
        )
        return 1
    source = seen.source
    if not isinstance(source, QuerySet):
        ids = {getattr(item, "pk", item) for item in source}
        if not ids:
            return 0
        source = seen.model.objects.filter(pk__in=sorted(ids))
    if seen.model is None:  # any rows (the admin): only those naming a patient
        source = source.filter(**{f"{seen.patient}__isnull": False})
    columns = _columns(request, user, what, seen.detail)
    columns.update(patient=_path(seen.patient), pathway=_path(seen.pathway))
    return _insert_select(source, columns)


def _from_url(page: Page, kwargs: dict) -> _Seen | None:
    if page.subject == PATHWAY:
        return _Seen([kwargs[page.kwarg]], Pathway, "patient_id", "pk")
    if page.subject == PATIENT:
        return _Seen([kwargs[page.kwarg]], Patient, "pk", None)
    return None  # a list page: the view reports what it listed


class AccessLogMiddleware:
    """After a successful (2xx) response to a signed-in user's GET, logs the patients it showed. A POST
    answered 2xx showed a page too (a form shown again with its errors) and is logged the same way; a
    POST that saved answers with a redirect, which shows nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in ("GET", "POST") and 200 <= response.status_code < 300:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                self.log(request)
        return response

    @staticmethod
    def log(request) -> None:
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match is not None else ""
        page = _PAGES.get(name)
        seen = getattr(request, _SEEN, None)
        if seen is None and page is not None:
            seen = _from_url(page, match.kwargs)
        if seen is None:
            return
        what = getattr(request, _WHAT, None) or seen.what or (page.what if page else name)
        rows = write(request, what=what, seen=seen)
        logger.debug("access.logged view=%s rows=%s user=%s", name, rows, request.user.pk)


class AccessLoggedAdmin:
    """ModelAdmin mixin: opening a clinical row in the admin (its change view, its history) is logged.
    `access_patient` and `access_pathway` are the paths from the model to the ids."""

    access_patient: str = "pathway__patient_id"
    access_pathway: str | None = "pathway_id"

    def _logged(self, request, object_id, response, what: str):
        if response.status_code == 200:  # the id was found and the row shown
            rows = self.model._default_manager.filter(pk=unquote(object_id))
            saw_rows(
                request,
                rows,
                patient=self.access_patient,
                pathway=self.access_pathway,
                what=f"admin: {self.model._meta.verbose_name}{what}",
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        return self._logged(request, object_id, response, "")

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        return self._logged(request, object_id, response, " history")

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Only routed by simple_history's SimpleHistoryAdmin: a past version of the row.
        response = super().history_form_view(request, object_id, version_id, extra_context)
        return self._logged(request, object_id, response, " history")
