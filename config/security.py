"""Response headers and request limits for every page (OWASP ASVS 5.0 level 2, V3 and V12).

- Permissions-Policy: the product needs no camera, microphone, location or payment API.
- Cache-Control: no-store on every response to a signed-in user, so a shared ward PC's browser keeps
  no copy of a patient page or PDF (the back button then reloads from the server).
- A request body over UPLOAD_MAX_BYTES is refused with 413 before any of it is read.
The Content-Security-Policy itself comes from django-csp (settings.CONTENT_SECURITY_POLICY).
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import patch_cache_control

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response


class UploadLimitMiddleware:
    """413 for a body larger than settings.UPLOAD_MAX_BYTES, judged on Content-Length before reading.

    Browsers always send Content-Length with a form or a file; Django's own
    DATA_UPLOAD_MAX_MEMORY_SIZE still bounds the non-file fields of any body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.UPLOAD_MAX_BYTES
        if length > limit:
            request.upload_handlers = []  # read nothing of the body
            response = render(
                request,
                "413.html",
                {"limit_mb": limit // (1024 * 1024), "sent_mb": round(length / 1048576, 1)},
                status=413,
            )
            response["Connection"] = "close"
            return response
        return self.get_response(request)
