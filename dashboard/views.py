from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts import roles
from dashboard import snapshot as dashboard_snapshot
from dashboard.charts import charts_for
from dashboard.context_processors import request_worklist_counts
from dashboard.export import csv_lines, export_rows, summary
from dashboard.filters import DashboardFilter
from dashboard.parts import home_worklists, worklist_page_rows
from dashboard.selectors import SPEC_BY_KEY
from pathway.core import access_log, page_cache
from pathway.filters import PathwayFilter
from pathway.selectors import pathways_for_user


class HomeView(TemplateView):
    """My worklist: each role sees the lists it can clear; a manager sees the service overview."""

    template_name = "dashboard/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        worklists = []
        if user.has_perm("pathway.view_pathway"):
            worklists = home_worklists(user=user, counts=request_worklist_counts(self.request))
        context["worklists"] = worklists
        access_log.saw_pathways(self.request, [pk for wl in worklists for pk in wl.rows.pathway_ids])
        context["can_view_dashboard"] = user.has_perm(roles.VIEW_DASHBOARD)
        if not worklists and user.has_perm(roles.VIEW_DASHBOARD):
            # A manager's worklist is the dashboard: the headline figures (from its snapshot), with the way in.
            context["summary"] = page_cache.with_csrf(
                page_cache.part(
                    "service-summary",
                    identity=(page_cache.permissions_digest(user),),
                    depends_on=[],
                    moment=(dashboard_snapshot.stamp(),),
                    build=lambda: self.render_summary(user),
                    shared_stale=True,
                ),
                self.request,
            )
        return context

    @staticmethod
    def render_summary(user) -> str:
        figures, snapshot = dashboard_snapshot.latest()
        context = {
            "census": figures.census,
            "rtt": figures.rtt,
            "as_of": snapshot.computed_at,
            "nav": {"pathways": user.has_perm("pathway.view_pathway")},
        }
        return render_to_string("dashboard/includes/service_summary.html", context)


class WorklistView(TemplateView):
    """One worklist in full, a page at a time, urgent first: where "See all" leads from My worklist.
    Shown to those the list is for (the permissions of its spec)."""

    template_name = "dashboard/worklist.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        spec = SPEC_BY_KEY.get(self.kwargs["key"])
        if spec is None:
            raise Http404("No such worklist.")
        user = self.request.user
        if not user.has_perm("pathway.view_pathway") or not spec.visible_to(user):
            raise PermissionDenied
        page_obj, rows = worklist_page_rows(
            user=user, spec=spec, page=self.request.GET.get("page"), counts=request_worklist_counts(self.request)
        )
        access_log.saw_pathways(self.request, rows.pathway_ids)
        context.update(spec=spec, page_obj=page_obj, rows=rows, total=page_obj.paginator.count)
        return context


class DashboardView(PermissionRequiredMixin, View):
    """The service dashboard (domain.md section 9), over the pathways chosen by the filters. Its
    figures come from the stored snapshot ("as of hh:mm"); the body drawn from them is cached per
    filter until the next snapshot."""

    permission_required = roles.VIEW_DASHBOARD
    template_name = "dashboard/dashboard.html"

    def get(self, request, *args, **kwargs):
        body = page_cache.drawn_part(
            "dashboard",
            identity=(request.GET.urlencode(), page_cache.permissions_digest(request.user)),
            depends_on=[],
            moment=(dashboard_snapshot.stamp(),),
            build=self.render_body,
            shared_stale=True,
        )
        # The patients named in its tables (longest waits, MRI waits, overdue follow-ups).
        access_log.saw_pathways(request, body.pathway_ids)
        return render(request, self.template_name, {"body": body.table})

    def render_body(self) -> page_cache.Drawn:
        user = self.request.user
        dashboard_filter = DashboardFilter(self.request.GET or None, queryset=pathways_for_user(user=user))
        query = self.request.GET.urlencode() if dashboard_filter.form.is_valid() else ""
        figures, snapshot = dashboard_snapshot.latest()
        if dashboard_filter.is_filtered:
            figures = dashboard_snapshot.filtered(dashboard_filter.qs, snapshot)
        shown = (
            [p.pk for p in figures.rtt.breaches]
            + [p.pk for p in figures.mri.longest]
            + [f.pathway_id for f in figures.overdue_follow_ups.items]
        )
        context = {
            "filter": dashboard_filter,
            "figures": figures,
            "charts": charts_for(figures),
            "can_export": user.has_perm(roles.EXPORT_PATHWAYS),
            "querystring": query,
            "as_of": snapshot.computed_at,
        }
        html = render_to_string("dashboard/includes/dashboard_body.html", context)
        return page_cache.Drawn(html=html, pathway_ids=tuple(shown))


class ExportCsvView(PermissionRequiredMixin, View):
    """The filtered pathway list as CSV (managers and consultants): identifiers, stage dates, status
    and waits; no free text. Accepts the filters of the dashboard and of the pathway list."""

    permission_required = roles.EXPORT_PATHWAYS

    def get(self, request, *args, **kwargs):
        pathway_filter = PathwayFilter(request.GET or None, queryset=pathways_for_user(user=request.user))
        if pathway_filter.is_bound and not pathway_filter.form.is_valid():
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in pathway_filter.form.errors.items())
            return HttpResponse(f"Invalid filter: {errors}", status=400, content_type="text/plain; charset=utf-8")
        # One access-log row for the whole file (one per patient would be 100,000 rows): the filter and
        # how many pathways and patients it held.
        access_log.saw_summary(request, what="CSV export", detail=summary(pathway_filter.qs, request.GET.urlencode()))
        today = timezone.localdate()
        response = StreamingHttpResponse(
            csv_lines(export_rows(pathway_filter.qs, today=today)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="pathways-{today.isoformat()}.csv"'
        response["Cache-Control"] = "no-store"
        return response


@login_not_required
@never_cache
def healthz(request) -> HttpResponse:
    """200 when the database answers, 503 otherwise. Says nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


# Pages listing patients, for the access log (pathway/core/access_log.py): each view reports the
# pathways it showed; the export writes one summary row.
access_log.register(
    {
        "dashboard:home": access_log.list_page("worklist"),
        "dashboard:worklist": access_log.list_page("worklist"),
        "dashboard:dashboard": access_log.list_page("dashboard"),
        "dashboard:export": access_log.list_page("CSV export"),
    }
)
