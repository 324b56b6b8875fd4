"""Consent documents: a rendered consent PDF sealed with its SHA-256, printed on its last page.

The HTML to PDF rendering itself is pathway.core.pdf (the only module that imports WeasyPrint).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from pypdf import PageObject, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

from pathway.core.pdf import render_pdf

__all__ = ["SealedPdf", "render_pdf", "render_sealed_pdf"]


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
