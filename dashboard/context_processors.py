from django.utils.functional import cached_property

from accounts import roles
from dashboard.selectors import worklist_counts


class NavCounts:
    """Worklist counts for the navigation bar, computed only if a template asks (one query), and
    shared with the worklist page through the request so that page does not count twice."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def by_key(self) -> dict[str, int]:
        return request_worklist_counts(self.request)

    @property
    def total(self) -> int:
        return sum(self.by_key.values())


def request_worklist_counts(request) -> dict[str, int]:
    counts = getattr(request, "_worklist_counts", None)
    if counts is None:
        counts = worklist_counts(user=request.user)
        request._worklist_counts = counts
    return counts


def navigation(request) -> dict:
    """What the navigation bar offers the signed-in user (by permission, never by group name)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "patients": user.has_perm("pathway.view_patient"),
            "add_patient": user.has_perm(roles.ADD_PATIENT),
            "pathways": user.has_perm("pathway.view_pathway"),
            "dashboard": user.has_perm(roles.VIEW_DASHBOARD),
            "admin": user.is_staff,
            "role": ", ".join(sorted(g.name for g in user.groups.all()))
            or ("Administrator" if user.is_superuser else ""),
        },
        "nav_counts": NavCounts(request),
    }
