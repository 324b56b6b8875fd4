"""Django's ModelBackend with each user's permissions kept in the shared cache.

Every page asks for the user's permissions (the menu, the view's permission, the buttons): two joins
over the permission tables per request with ModelBackend alone. Here they are read once per user and
kept under a version that any change of roles or permissions replaces (a user's groups or own
permissions, a group's permissions, a group, a permission, a user's active or superuser flag), so
a change takes effect on the user's next request. The version is replaced when the change is made
and again after its transaction commits (a request in between could have cached the old set).
"""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "permissions:version"
PERMISSIONS_SECONDS = 10 * 60


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def permissions_changed(**kwargs) -> None:
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, time.time_ns(), timeout=None))


def only_a_sign_in(update_fields) -> bool:
    """A user saved by signing in (Django saves only `last_login`): nothing shown or allowed changed."""
    return update_fields is not None and set(update_fields) <= {"last_login"}


def _user_saved(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or only_a_sign_in(update_fields):
        return
    permissions_changed()


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = f"permissions:{user_obj.pk}:{_version()}"
            perms = cache.get(key)
            if perms is None:
                perms = super().get_all_permissions(user_obj)
                cache.set(key, perms, timeout=PERMISSIONS_SECONDS)
            user_obj._perm_cache = perms
        return user_obj._perm_cache


def connect() -> None:
    User = get_user_model()
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"perm_cache_{through._meta.label}")
    for model in (Group, Permission):
        post_save.connect(permissions_changed, sender=model, dispatch_uid=f"perm_cache_save_{model._meta.label}")
        post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"perm_cache_del_{model._meta.label}")
    post_save.connect(_user_saved, sender=User, dispatch_uid="perm_cache_user")
