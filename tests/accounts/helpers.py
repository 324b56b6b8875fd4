"""Signing a test client in past the second factor (TwoFactorMiddleware), without a superuser."""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def login_verified(client, user) -> TOTPDevice:
    """force_login, plus a confirmed TOTP device recorded in the session as verified: what the
    verify page leaves behind. For tests of the admin site or of users holding a permission of
    accounts.roles.TWO_FACTOR_PERMISSIONS."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test authenticator", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
