"""Second factor (TOTP, django-otp): who must pass it, and the enrol and verify pages.

After the password, a user holding any permission of accounts.roles.TWO_FACTOR_PERMISSIONS (or a
superuser), and anyone opening the admin site, enters the 6-digit code of their authenticator app
before any page (accounts.middleware.TwoFactorMiddleware). Without a confirmed device they enrol
first. Any user may enrol from /accounts/two-factor/; the clinical roles are not asked unless they
have (then their code is asked at each sign-in too).

Enrolling: an unconfirmed TOTP device is made and its secret shown (base32 text and the otpauth://
URI, which authenticator apps accept typed in or pasted); the first correct code confirms it and
removes the user's older devices. Replacing a confirmed device needs the second factor first, so a
password alone cannot move someone's second factor to another phone. An administrator who has lost
their phone is reset by another administrator (Admin > TOTP devices: delete theirs).
"""

from __future__ import annotations

import logging
from base64 import b32encode
from urllib.parse import urlencode

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import TWO_FACTOR_PERMISSIONS

logger = logging.getLogger("accounts.security")


# Set at sign-in: the user has a confirmed device, so is asked for it even without the permissions
# (someone who chose to enrol is protected by it too).
HAS_DEVICE = "_two_factor_enrolled"


def required_for(user) -> bool:
    """Must this signed-in user pass the second factor before any page, because of what they may do?"""
    return user.is_superuser or any(user.has_perm(permission) for permission in TWO_FACTOR_PERMISSIONS)


@receiver(user_logged_in, dispatch_uid="accounts.two_factor.note_enrolment")
def _note_enrolment(sender, request=None, user=None, **kwargs):
    session = getattr(request, "session", None)
    if session is not None and user is not None:
        session[HAS_DEVICE] = has_confirmed_device(user)


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def two_factor_exempt(view):
    """Mark a view as reachable before the second factor (the enrol and verify pages, sign-out...)."""
    view.two_factor_exempt = True
    return view


class CodeForm(forms.Form):
    otp_token = forms.RegexField(
        label="6-digit code",
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": "Enter the 6 digits shown in your authenticator app."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_otp_token(self) -> str:
        return "".join(self.cleaned_data["otp_token"].split())


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return "/"


def _verified(request, device) -> None:
    """Record in the session that this user passed the second factor with `device`."""
    request.session.cycle_key()  # a new session key for the raised privilege
    django_otp.login(request, device)
    logger.info("two_factor.verified user_id=%s", request.user.pk)


def _throttled(device) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    return "Too many wrong codes: wait a minute, then enter the current code."


class EnrolView(View):
    """/accounts/two-factor/: the user's second factor: set one up, or replace it."""

    template_name = "registration/two_factor_enrol.html"

    def dispatch(self, request, *args, **kwargs):
        self.confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
        if self.confirmed is not None and not is_verified(request):
            return redirect(_with_next("two_factor_verify", request.get_full_path()))
        return super().dispatch(request, *args, **kwargs)

    def pending(self, create: bool) -> TOTPDevice | None:
        device = TOTPDevice.objects.filter(user=self.request.user, confirmed=False).order_by("-pk").first()
        if device is None and create:
            device = TOTPDevice.objects.create(user=self.request.user, name="Authenticator app", confirmed=False)
        return device

    def get(self, request):
        # With a confirmed device, a new secret is made only when asked for (the "replace" button).
        device = self.pending(create=self.confirmed is None)
        return self.show(request, device, CodeForm())

    def post(self, request):
        if request.POST.get("action") == "replace":
            self.pending(create=True)
            return redirect(f"{request.path}?{request.GET.urlencode()}" if request.GET else request.path)
        device = self.pending(create=False)
        if device is None:
            return redirect(request.path)
        form = CodeForm(request.POST)
        if form.is_valid():
            refusal = _throttled(device)
            if refusal is None and device.verify_token(form.cleaned_data["otp_token"]):
                with transaction.atomic():
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
                _verified(request, device)
                request.session[HAS_DEVICE] = True
                logger.info("two_factor.enrolled user_id=%s", request.user.pk)
                messages.success(request, "Two-step sign-in is set up: you will be asked for a code when you sign in.")
                return redirect(_next_url(request))
            form.add_error("otp_token", refusal or "That code is not right: enter the code shown now in the app.")
            logger.warning("two_factor.enrol_failed user_id=%s", request.user.pk)
        return self.show(request, device, form)

    def show(self, request, device, form):
        secret = b32encode(device.bin_key).decode() if device is not None else ""
        context = {
            "confirmed": self.confirmed,
            "device": device,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "config_url": device.config_url if device is not None else "",
            "form": form,
            "next": _next_url(request) if (request.POST.get("next") or request.GET.get("next")) else "",
            "required": required_for(request.user),
        }
        return render(request, self.template_name, context)


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class VerifyView(View):
    """/accounts/two-factor/verify/: the code, after the password, once per session."""

    template_name = "registration/two_factor_verify.html"

    def dispatch(self, request, *args, **kwargs):
        self.device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
        if self.device is None:
            return redirect(_with_next("two_factor", request.GET.get("next", "")))
        if is_verified(request):
            return redirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": CodeForm(), "next": request.GET.get("next", "")})

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            refusal = _throttled(self.device)
            if refusal is None:
                token = form.cleaned_data["otp_token"]
                device = django_otp.verify_token(request.user, self.device.persistent_id, token)
                if device is not None:
                    _verified(request, device)
                    return redirect(_next_url(request))
            form.add_error("otp_token", refusal or "That code is not right: enter the code shown now in the app.")
            logger.warning("two_factor.verify_failed user_id=%s", request.user.pk)
        return render(request, self.template_name, {"form": form, "next": request.POST.get("next", "")})
