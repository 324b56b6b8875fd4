"""Every URL requires login, and nothing gives a 500 for a missing or bad id."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "healthz"}
# Authenticated by a referring system's bearer token instead of a session (tests/interop).
TOKEN_AUTHENTICATED = {"interop:receive_bundle"}


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_patterns(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, pattern


def _url(name, pattern):
    kwargs = dict.fromkeys(pattern.pattern.converters, 999999)
    return reverse(name, kwargs=kwargs)


ALL = sorted(_named_patterns(), key=lambda item: item[0])


@pytest.mark.parametrize(("name", "pattern"), ALL, ids=[n for n, _ in ALL])
def test_every_url_requires_login(client, name, pattern):
    if name in PUBLIC:
        return
    url = _url(name, pattern)
    for method in (client.get, client.post):
        response = method(url)
        if name in TOKEN_AUTHENTICATED:
            assert response.status_code == 401, (name, response.status_code)
            continue
        assert response.status_code == 302, (name, response.status_code)
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "pattern"), ALL, ids=[n for n, _ in ALL])
def test_missing_ids_are_404_not_500(client_for, consultant, name, pattern):
    if not pattern.pattern.converters:
        return
    response = client_for(consultant).get(_url(name, pattern))
    assert response.status_code in (404, 405), (name, response.status_code)


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
