"""The session's keep-alive and "time left" answers, asked by static/js/idle-timeout.js.

Both need a signed-in user like every page (LoginRequiredMiddleware answers anyone else with a
redirect to the sign-in page, which the script reads as "signed out")."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from accounts.two_factor import two_factor_exempt


@two_factor_exempt
@require_GET
def keep_alive(request):
    """A request like any other, so it pushes the idle timeout back: 204, no body."""
    return HttpResponse(status=204)


@two_factor_exempt
@require_GET
def session_status(request):
    """Seconds left before the session ends. Not counted as activity (accounts.middleware.NOT_ACTIVITY),
    so a page left open in another tab does not keep the session alive by asking."""
    seconds_left = getattr(request, "idle_seconds_left", 0)
    return JsonResponse({"seconds_left": seconds_left, "renewable": getattr(request, "idle_renewable", True)})
