"""Sign-in lockout (django-axes; settings AXES_*): the page shown while a username is locked, and one
log line per lockout.

A username is locked after AXES_FAILURE_LIMIT failed sign-ins, by username only (a ward shares one PC
and one IP address). The lockout message is the same whether or not the username exists, and the log
names the account by user id ("unknown" when there is no such user): never the typed username, which
may be a password typed in the wrong box, and never the password.

An administrator unlocks a username by deleting its row under "Axes > Access attempts" in the admin,
or with `python manage.py axes_reset_username <username>`.
"""

from __future__ import annotations

import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger("accounts.security")


def lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    minutes = lockout_minutes()
    return (
        f"Too many failed sign-ins for this username: signing in with it is paused for {minutes} "
        f"minute{'s' if minutes != 1 else ''}. Ask an administrator if you need it unlocked sooner."
    )


def user_id_for(username: str | None) -> str:
    """The user id for a typed username, as text for a log line, or "unknown"."""
    if not username:
        return "unknown"
    user_model = get_user_model()
    users = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username})
    pk = users.values_list("pk", flat=True).first()
    return "unknown" if pk is None else str(pk)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, with the lockout message (status 429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    allowed_hosts = {request.get_host()}
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts=allowed_hosts, require_https=request.is_secure()):
        next_url = ""
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "next": next_url, "lockout_message": lockout_message()}
    return render(request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    """AXES_CLIENT_STR_CALLABLE: how axes' own log lines name the client."""
    if isinstance(path_info, list | tuple):
        path_info = path_info[0] if path_info else ""
    return f"user_id={user_id_for(username)} path={path_info}"


@receiver(user_locked_out, dispatch_uid="accounts.lockout.log_lockout")
def log_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """One line per lockout (and per sign-in refused while locked)."""
    logger.warning("login.locked_out user_id=%s", user_id_for(username))
