from accounts import roles


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
        }
    }
