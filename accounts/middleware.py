"""Session limits and the second factor, checked on every request of a signed-in user.

IdleTimeoutMiddleware: a session ends SESSION_IDLE_TIMEOUT_S seconds after its last request, and
SESSION_ABSOLUTE_TIMEOUT_S after sign-in whatever happens. The user is signed out and sent to the
sign-in page with a message saying why; a form posted after the timeout is not saved but kept and
shown again, filled in, after the same user signs in (accounts.kept_entries). The page tells
static/js/idle-timeout.js how long is left (request.idle_seconds_left, a data- attribute on <body>),
which warns a minute before the end.

TwoFactorMiddleware: a signed-in user who has not passed the second factor in this session is sent to
the verify page (or to enrol, without a confirmed device) before any page of the admin site, and
before any page at all when they hold a permission of accounts.roles.TWO_FACTOR_PERMISSIONS or have
enrolled a device.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import kept_entries, two_factor

logger = logging.getLogger("accounts.security")

# The clock, in seconds. Tests replace it (monkeypatch accounts.middleware.now).
now = time.time

LAST_ACTIVITY = "_last_activity"
SIGNED_IN_AT = "_signed_in_at"
# URL names answered without counting as activity (the page's own "how long is left?" question),
# and those answered as JSON when the session has ended (asked by script, not by a person).
NOT_ACTIVITY = {"session_status"}
SCRIPT_ONLY = {"session_status", "keep_alive"}


def write_interval(idle_s: float) -> float:
    """Last activity is written at most this often: a write on every request would take SQLite's write
    lock on every page. The page is told the exact time left, so the warning is never late."""
    return min(15.0, idle_s / 20)


def start_clock(session, at: float) -> None:
    session[LAST_ACTIVITY] = at
    session[SIGNED_IN_AT] = at


@receiver(user_logged_in, dispatch_uid="accounts.middleware.start_clock_on_login")
def _start_clock_on_login(sender, request=None, user=None, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        start_clock(session, now())


def seconds_left(session, at: float) -> tuple[int, bool]:
    """Seconds until the session ends, and whether a request would push that back (False when the
    12-hour limit comes first)."""
    idle_left = settings.SESSION_IDLE_TIMEOUT_S - (at - session.get(LAST_ACTIVITY, at))
    absolute_left = settings.SESSION_ABSOLUTE_TIMEOUT_S - (at - session.get(SIGNED_IN_AT, at))
    return max(0, int(min(idle_left, absolute_left))), idle_left <= absolute_left


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        n, unit = seconds // 3600, "hour"
    elif seconds % 60 == 0:
        n, unit = seconds // 60, "minute"
    else:
        n, unit = seconds, "second"
    return f"{n} {unit}{'s' if n != 1 else ''}"


def _same_site_path(request, url: str | None) -> str | None:
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def form_page(request) -> tuple[str | None, bool]:
    """Where the form of this POST is shown, and whether it is the page the form posted to (then its
    entries can be shown again there): the posted-to path when it answers GET, else the referring page."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None, False
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or ("get" in view_class.http_method_names and hasattr(view_class, "get")):
        return request.path, True
    return _same_site_path(request, request.META.get("HTTP_REFERER")), False


def _csrf_ok(request) -> bool:
    """The expired post carries a valid CSRF token (else nothing of it is kept: a forged post must not
    be able to put entries into someone's form)."""
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is None


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            ended = self.check(request)
            if ended is not None:
                return ended
        return self.get_response(request)

    def check(self, request):
        session, at = request.session, now()
        if LAST_ACTIVITY not in session or SIGNED_IN_AT not in session:
            start_clock(session, at)  # a session from before these limits
        idle_s = settings.SESSION_IDLE_TIMEOUT_S
        if at - session[LAST_ACTIVITY] > idle_s:
            return self.sign_out(request, at, f"You were signed out after {_duration(idle_s)} without activity.")
        if at - session[SIGNED_IN_AT] > settings.SESSION_ABSOLUTE_TIMEOUT_S:
            return self.sign_out(
                request,
                at,
                f"You were signed out: a session lasts at most {_duration(settings.SESSION_ABSOLUTE_TIMEOUT_S)}.",
            )
        name = _url_name(request)
        if name not in NOT_ACTIVITY and at - session[LAST_ACTIVITY] >= write_interval(idle_s):
            session[LAST_ACTIVITY] = at
        request.idle_seconds_left, request.idle_renewable = seconds_left(session, at)
        kept_entries.drop_stale(request, at=at)
        return None

    def sign_out(self, request, at: float, message: str):
        user_id = request.user.pk
        name = _url_name(request)
        target, restorable, csrf_ok = None, False, False
        if name in SCRIPT_ONLY:
            pass
        elif request.method == "POST":
            target, restorable = form_page(request)
            csrf_ok = _csrf_ok(request)
        elif request.method == "GET":
            target = request.get_full_path()
        logout(request)
        kept = restorable and csrf_ok and kept_entries.keep(request, path=target, user_id=user_id, at=at)
        logger.info("session.timed_out user_id=%s entries_kept=%s", user_id, bool(kept))
        messages.info(request, message)
        if name in SCRIPT_ONLY:
            return JsonResponse({"signed_out": True}, status=401)
        login_url = resolve_url(settings.LOGIN_URL)
        return redirect(f"{login_url}?{urlencode({'next': target})}" if target else login_url)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or getattr(view_func, "two_factor_exempt", False):
            return None
        is_verified = getattr(user, "is_verified", None)
        if is_verified is not None and is_verified():
            return None
        match = request.resolver_match
        on_admin_site = match is not None and match.app_name == "admin"
        enrolled = request.session.get(two_factor.HAS_DEVICE, False)
        if not (on_admin_site or enrolled or two_factor.required_for(user)):
            return None
        url = reverse("two_factor_verify" if two_factor.has_confirmed_device(user) else "two_factor")
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(url)
