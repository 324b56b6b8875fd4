"""PDF rendering: the only module that imports WeasyPrint (design.md section 3).

WeasyPrint may fetch only the project's own static files (and inline data: URIs for signature
images); anything else is refused, so a PDF never reaches the network.
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

STATIC_PREFIX = "static:/"


class ProjectStaticFetcher(URLFetcher):
    """Serve `static:/path` from the project's static files and `data:` URIs; refuse the rest."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(STATIC_PREFIX):
            path = finders.find(url[len(STATIC_PREFIX) :].lstrip("/"))
            if path:
                with open(path, "rb") as handle:
                    body = handle.read()
                return URLFetcherResponse(url, body=body)
        raise FatalURLFetchingError(f"PDF rendering may not fetch {url[:60]}")


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes. Templates refer to static files as `static:/css/x.css`."""
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=ProjectStaticFetcher()).write_pdf()
