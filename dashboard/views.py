from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts import roles
from dashboard.selectors import worklists_for_user


class HomeView(TemplateView):
    """My worklist: each role sees the queues it can clear; a manager sees the service overview."""

    template_name = "dashboard/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["worklists"] = worklists_for_user(user=user) if user.has_perm("pathway.view_pathway") else []
        context["is_manager_only"] = user.has_perm(roles.VIEW_DASHBOARD) and not any(
            user.has_perm(p) for p in (roles.RECORD_REFERRAL, roles.RECORD_PRE_ASSESSMENT)
        )
        return context


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
