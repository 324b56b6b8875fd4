from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.roles import ROLES


class UnknownPermission(LookupError):
    pass


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist as exc:
        raise UnknownPermission(f"Permission {dotted} does not exist; run migrate first.") from exc


@transaction.atomic
def sync_roles() -> dict[str, int]:
    """Make each role's group hold exactly the permissions of accounts/roles.py. Idempotent."""
    counts: dict[str, int] = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.name)
        wanted = {_permission(p) for p in role.permissions}
        current = set(group.permissions.all())
        if wanted != current:
            group.permissions.set(wanted)
        counts[role.name] = len(wanted)
    return counts
