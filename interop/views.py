"""FHIR over HTTP: a pathway as a Bundle (GET /pathways/<id>/fhir/, signed-in staff) and referrals
in (POST /fhir/Bundle, a referring system's bearer token). design.md section 7."""

from __future__ import annotations

import json
import logging

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.two_factor import two_factor_exempt
from interop import gp_letter, referrals, tokens
from interop import terminology as t
from interop.fhir.export import pathway_bundle
from pathway.selectors import get_pathway_for_user

logger = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"


def fhir_response(document: dict, status: int = 200, **headers) -> JsonResponse:
    response = JsonResponse(document, status=status, content_type=FHIR_JSON, json_dumps_params={"indent": 1})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def operation_outcome(problems, *, severity: str = "error") -> dict:
    return {
        "resourceType": "OperationOutcome",
        "meta": t.meta("OperationOutcome"),
        "issue": [
            {"severity": severity, "code": p.code, "diagnostics": p.diagnostics, "expression": [p.expression]}
            for p in problems
        ],
    }


class PathwayFhirView(View):
    """The pathway as one FHIR R4 Bundle. Logged as a read of the patient's record (the access log
    middleware; registered in interop/urls.py)."""

    def get(self, request, pk):
        pathway = get_pathway_for_user(user=request.user, pathway_id=pk)  # the view permission, or 403
        document = pathway_bundle(pathway.pk, base_url=request.build_absolute_uri("/"))
        response = fhir_response(document)
        response["Content-Disposition"] = f'inline; filename="pathway-{pathway.pk}.fhir.json"'
        return response


class GpLetterView(View):
    """The GP letter as stored at the discharge (never rendered on reading)."""

    def get(self, request, pk):
        pathway = get_pathway_for_user(user=request.user, pathway_id=pk)
        letter = gp_letter.stored(pathway)
        if letter is None:
            raise Http404("There is no GP letter: the patient has not been discharged.")
        with letter.file.open("rb") as handle:
            pdf = handle.read()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="gp-letter-pathway-{pathway.pk}.pdf"'
        return response


def _refused(problems, status: int) -> JsonResponse:
    return fhir_response(operation_outcome(problems), status=status)


# Token-authenticated, not session-authenticated: no cookie is involved, so there is nothing for a
# cross-site request to ride on and CSRF protection does not apply. Only this view is exempt.
@csrf_exempt
@login_not_required
@two_factor_exempt
def receive_bundle(request):
    """POST /fhir/Bundle: a referral (Patient + ServiceRequest). 201 with the pathway's URL in Location;
    the same referral again: 200 with the same Location; refused: 400/401/422 with an OperationOutcome,
    and nothing written."""
    api_token = tokens.authenticate(request.headers.get("Authorization", ""))
    if api_token is None:
        response = _refused(
            [referrals.Problem("login", "Authorization", "A valid, unrevoked API token is required (Bearer).")], 401
        )
        response["WWW-Authenticate"] = 'Bearer realm="fhir"'
        return response
    if request.method != "POST":
        response = _refused([referrals.Problem("not-supported", "Bundle", "Only POST is accepted here.")], 405)
        response["Allow"] = "POST"
        return response
    try:
        document = json.loads(request.body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested past the parser's depth
        return _refused([referrals.Problem("structure", "Bundle", "The body is not JSON.")], 400)
    try:
        referral = referrals.parse(document)
        pathway, created = referrals.receive(api_token=api_token, referral=referral)
    except referrals.Refused as refused:
        logger.info("fhir.referral_refused token=%s problems=%s", api_token.pk, len(refused.problems))
        return _refused(refused.problems, refused.status)
    logger.info("fhir.referral_received token=%s pathway=%s created=%s", api_token.pk, pathway.pk, created)
    location = request.build_absolute_uri(reverse("pathway:detail", args=[pathway.pk]))
    message = "Referral received: pathway opened." if created else "This referral was received before."
    outcome = operation_outcome([referrals.Problem("informational", "Bundle", message)], severity="information")
    return fhir_response(outcome, status=201 if created else 200, Location=location)
