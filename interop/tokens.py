"""API tokens of referring systems: issued once, stored as a SHA-256, checked on each request.

A token is 32 random bytes (secrets.token_urlsafe); its SHA-256 is enough to store, since a token
this long cannot be guessed from its hash (unlike a password, it needs no slow hash).
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.roles import REFERRING_SYSTEM
from accounts.services import sync_roles
from interop.models import ApiToken

SYSTEM_USERNAME_PREFIX = "system-"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def system_user(system_name: str):
    """The user a referring system's writes are recorded as: `system-<name>`, no password, the role
    "Referring system" only. Made once per system; a new token for the system reuses it."""
    username = (SYSTEM_USERNAME_PREFIX + slugify(system_name))[:150]
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": system_name[:150], "last_name": "(referring system)"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if not Group.objects.filter(name=REFERRING_SYSTEM).exists():
        sync_roles()
    user.groups.set([Group.objects.get(name=REFERRING_SYSTEM)])
    return user


@transaction.atomic
def issue(system_name: str, *, referrer_type: str = "gp") -> tuple[ApiToken, str]:
    """A new token for the system: returns the row and the token, which is shown once and never stored."""
    system_name = system_name.strip()
    if not system_name:
        raise ValueError("Give the referring system's name.")
    token = secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        system_name=system_name,
        user=system_user(system_name),
        token_sha256=digest(token),
        prefix=token[:8],
        referrer_type=referrer_type,
    )
    return row, token


def authenticate(header: str) -> ApiToken | None:
    """The active token named by an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    return ApiToken.objects.active().select_related("user").filter(token_sha256=digest(token)).first()


def revoke(row: ApiToken) -> None:
    if row.revoked_at is None:
        ApiToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
