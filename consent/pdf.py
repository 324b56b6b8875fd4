"""PDF rendering: the only module that imports WeasyPrint (design.md section 3).

WeasyPrint may fetch only the project's own static files (and inline data: URIs for signature
images); anything else is refused, so a PDF never reaches the network.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
from dataclasses import dataclass

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
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
                content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
        raise FatalURLFetchingError(f"PDF rendering may not fetch {url[:60]}")


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes. Templates refer to static files as `static:/css/x.css`."""
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=ProjectStaticFetcher()).write_pdf()


# --- consent documents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SealedPdf:
    """A consent PDF: the record (first `record_length` bytes, hash `record_sha256`) plus the appended
    update that prints that hash on the verification page."""

    content: bytes
    record_length: int
    record_sha256: str
    file_sha256: str
    pages: int


def render_sealed_pdf(template_name: str, overlay_template: str, context: dict) -> SealedPdf:
    """Render the record, hash its bytes, then append (as a PDF incremental update, which leaves the
    record's bytes untouched) the hash written onto the record's last page, the verification page.

    Anyone can re-check: the SHA-256 of the file's first `record_length` bytes equals the printed hash.
    """
    record = render_pdf(template_name, context)
    record_sha256 = hashlib.sha256(record).hexdigest()
    overlay = render_pdf(overlay_template, {**context, "record_sha256": record_sha256, "record_length": len(record)})
    writer = PdfWriter(io.BytesIO(record), incremental=True)
    writer.pages[-1].merge_page(PdfReader(io.BytesIO(overlay)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    content = out.getvalue()
    if not content.startswith(record):  # the update must only append
        raise RuntimeError("The verification update rewrote the record.")
    return SealedPdf(
        content=content,
        record_length=len(record),
        record_sha256=record_sha256,
        file_sha256=hashlib.sha256(content).hexdigest(),
        pages=len(writer.pages),
    )
