"""PDF rendering: the only module that imports WeasyPrint (design.md section 3).

WeasyPrint may fetch only the project's own static files (and inline data: URIs for signature
images); anything else is refused, so a PDF never reaches the network.
"""

from __future__ import annotations

import functools
import hashlib
import io
import mimetypes
from dataclasses import dataclass

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from pypdf import PageObject, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject
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


# Where the verification page leaves room for the fingerprint (static/css/consent_pdf.css .hashbox:
# 8.6 cm below the top of the content area, whose top margin is 3.1 cm; left margin 1.6 cm).
_CM = 72 / 2.54
_HASH_TOP = (3.1 + 8.6) * _CM
_HASH_LEFT = 1.6 * _CM + 10


def _pdf_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _write_fingerprint(writer: PdfWriter, page: PageObject, lines: list[tuple[str, float, str]]) -> None:
    """Append a content stream to `page` writing `lines` (font, size, text) in the verification box,
    with the PDF standard fonts (nothing to embed). The page's own drawing is wrapped in q/Q so its
    graphics state cannot move our text; only the page object and the new streams are written."""
    height = float(page.mediabox.height)
    resources = DictionaryObject(page[NameObject("/Resources")].get_object())
    fonts = DictionaryObject(resources.get("/Font", DictionaryObject()).get_object())
    for key, base in (("/FvSans", "/Helvetica"), ("/FvMono", "/Courier-Bold")):
        fonts[NameObject(key)] = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject(base),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    resources[NameObject("/Font")] = fonts
    page[NameObject("/Resources")] = resources
    y = height - _HASH_TOP - 22
    ops = ["Q q 0 0 0 rg BT"]
    for font, size, text in lines:
        ops.append(f"/{font} {size} Tf 1 0 0 1 {_HASH_LEFT:.2f} {y:.2f} Tm ({_pdf_text(text)}) Tj")
        y -= size + 8
    ops.append("ET Q")
    streams = []
    for data in (b"q", " ".join(ops).encode("latin-1")):
        stream = StreamObject()
        stream.set_data(data)
        streams.append(writer._add_object(stream))
    original = page[NameObject("/Contents")]
    existing = list(original.get_object()) if isinstance(original.get_object(), ArrayObject) else [original]
    page[NameObject("/Contents")] = ArrayObject([streams[0], *existing, streams[1]])


def render_sealed_pdf(
    template_name: str, context: dict, *, caption: str = "", ua_stylesheet: str | None = None
) -> SealedPdf:
    """Render the record, hash its bytes, then append (as a PDF incremental update, which leaves the
    record's bytes untouched) the hash written onto the record's last page, the verification page.

    Anyone can re-check: the SHA-256 of the file's first `record_length` bytes equals the printed hash.
    """
    record = render_pdf(template_name, context, ua_stylesheet=ua_stylesheet)
    record_sha256 = hashlib.sha256(record).hexdigest()
    writer = PdfWriter(io.BytesIO(record), incremental=True)
    lines = [
        ("FvSans", 10, "SHA-256 of the consent record:"),
        ("FvMono", 10, record_sha256),
        ("FvSans", 10, f"N (length of the record in bytes): {len(record)}"),
    ]
    if caption:
        lines.append(("FvSans", 9, caption))
    _write_fingerprint(writer, writer.pages[-1], lines)
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
