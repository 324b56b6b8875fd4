"""PDF rendering: the only module that imports WeasyPrint (docs/architecture.md). Used by the
discharge sheet here and by the consent documents (consent/pdf.py seals them).

WeasyPrint may fetch only the project's own static files (and inline data: URIs for signature
images); anything else is refused, so a PDF never reaches the network.
"""

from __future__ import annotations

import functools
import mimetypes

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
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
                content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
        raise FatalURLFetchingError(f"PDF rendering may not fetch {url[:60]}")


@functools.cache
def _static_stylesheet(path: str) -> CSS:
    """A project stylesheet parsed once per process. WeasyPrint shares its own user-agent sheet across
    renders the same way: a CSS object is not changed by rendering."""
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"No static file {path}")
    return CSS(filename=found)


class _HTML(HTML):
    """HTML whose user-agent stylesheet can be replaced by a smaller one (`ua_sheet`)."""

    ua_sheet: CSS | None = None

    def _ua_stylesheets(self, forms=False):
        # WeasyPrint 70 asks for its user-agent sheets here; if a later version stops calling this
        # method, its full default sheet is used and the output is unchanged.
        if self.ua_sheet is not None and not forms:
            return [self.ua_sheet]
        return super()._ua_stylesheets(forms=forms)


def render_pdf(template_name: str, context: dict, *, ua_stylesheet: str | None = None) -> bytes:
    """Render a Django template to PDF bytes. Templates refer to static files as `static:/css/x.css`.

    `ua_stylesheet` (a static path) replaces WeasyPrint's HTML5 user-agent stylesheet: matching its
    ~250 rules against every element is a large share of the time for a table-heavy document, so a
    template with a known, small set of elements can bring a sheet holding only the rules it needs.
    """
    html = render_to_string(template_name, context)
    document = _HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=ProjectStaticFetcher())
    if ua_stylesheet:
        document.ua_sheet = _static_stylesheet(ua_stylesheet)
    return document.write_pdf()
