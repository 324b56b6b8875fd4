"""How a consent is signed: the patient's signature as it arrives (a PNG drawn on screen, a scan of a
paper form, a typed name, a witness) and the checks on its bytes. consent.services.sign_consent
records it; consent.forms reads it from the signing form.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

from django.conf import settings

MAX_SIGNATURE_BYTES = 300 * 1024
MAX_SCAN_BYTES = settings.UPLOAD_MAX_BYTES  # the same cap as the request (config.security)
SCAN_TYPES = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


def scan_kind(head: bytes) -> str | None:
    for magic, kind in SCAN_TYPES.items():
        if head.startswith(magic):
            return kind
    return None


@dataclass
class Signature:
    method: str
    patient_png: bytes | None = None
    paper_scan: object = None  # an uploaded file
    witness_name: str = ""
    witness_png: bytes | None = None
    # The keyboard routes (issue 16): the patient's typed name with the attestation ticked, or a
    # witness who types their name and ticks that they saw the patient indicate consent.
    typed_name: str = ""
    attested: bool = False
    witness_attested: bool = False


def png_from_data_url(value: str) -> bytes:
    """Decode a signature drawn on screen (a PNG data URL). Raises ValueError when unusable."""
    prefix = "data:image/png;base64,"
    if not value.startswith(prefix):
        raise ValueError("not a PNG data URL")
    try:
        data = base64.b64decode(value[len(prefix) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) > MAX_SIGNATURE_BYTES:
        raise ValueError("not a PNG of an acceptable size")
    if _is_blank(data):
        raise ValueError("blank")
    return data


def _is_blank(png: bytes) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(png)) as image:
            image.load()
            if image.width < 50 or image.height < 20 or image.width * image.height > 4_000_000:
                return True
            alpha = image.convert("RGBA").getchannel("A")
            return alpha.getbbox() is None
    except (UnidentifiedImageError, OSError, ValueError):
        return True
