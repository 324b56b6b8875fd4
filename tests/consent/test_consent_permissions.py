"""Consent pages by role over HTTP: who may view, record, sign, confirm and withdraw."""

from __future__ import annotations

import pytest

from tests.factories import ConsentRecordFactory

pytestmark = pytest.mark.django_db

# --- role x page matrix --------------------------------------------------------------------------

ROLES = ("Radiologist", "Consultant", "Nurse", "Manager")
# (page, method, roles allowed). View pages need consent.view_consentrecord (every clinical role and
# the manager); writing consent is the consultant's; confirmation the operator's (radiologist or
# consultant); withdrawal the consent taker's or operator's.
MATRIX = [
    ("consent", "get", set(ROLES)),
    ("detail", "get", set(ROLES)),
    ("pdf", "get", set(ROLES)),
    ("start", "post", {"Consultant"}),
    ("consent", "post", {"Consultant"}),
    ("sign", "post", {"Consultant"}),
    ("confirm", "post", {"Radiologist", "Consultant"}),
    ("withdraw", "post", {"Radiologist", "Consultant"}),
]


def _url(page, pathway, consent):
    base = f"/pathways/{pathway.pk}/consent/"
    return {
        "consent": base,
        "start": f"{base}new/",
        "detail": f"{base}{consent.pk}/",
        "pdf": f"{base}{consent.pk}/pdf/",
        "sign": f"{base}{consent.pk}/sign/",
        "confirm": f"{base}{consent.pk}/confirm/",
        "withdraw": f"{base}{consent.pk}/withdraw/",
    }[page]


@pytest.mark.parametrize("persona", ROLES, indirect=True)
@pytest.mark.parametrize(("page", "method", "allowed"), MATRIX)
def test_role_page_matrix(ready_pathway, persona, client, page, method, allowed):
    consent = ConsentRecordFactory(pathway=ready_pathway, signed=page in ("pdf", "confirm", "withdraw"))
    if page == "pdf":  # a factory-signed consent has no stored PDF: make it as signing would have
        from consent.services import render_missing_document

        render_missing_document(consent=consent)
    client.force_login(persona)
    response = getattr(client, method)(_url(page, ready_pathway, consent), {})
    role = persona.groups.get().name
    if role in allowed:
        assert response.status_code in (200, 302), (role, page, method)
    else:
        assert response.status_code == 403, (role, page, method)


def test_anonymous_is_sent_to_login(ready_pathway, client):
    response = client.get(f"/pathways/{ready_pathway.pk}/consent/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
