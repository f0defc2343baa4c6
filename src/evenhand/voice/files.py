"""Attachments: what may be attached, and stripping what a file says about who made it.

The type is read from the file's bytes, never its name. Images are decoded and written again from their
pixels alone (Pillow), which leaves behind EXIF (camera, GPS position, time), XMP, ICC profiles and text
chunks. PDFs are rebuilt page by page (pypdf) with no document information, no XMP metadata, no attached
files, no scripts and no page-level metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import NameObject

ALLOWED = "JPEG or PNG images, PDF documents and plain text files"
MAX_FILES = 5
# A page-level key that can carry authoring data.
_PAGE_METADATA_KEYS = ("/Metadata", "/PieceInfo", "/LastModified", "/AA")


def max_bytes() -> int:
    return int(getattr(settings, "VOICE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


@dataclass(frozen=True)
class CleanFile:
    content_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, of those allowed, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # Text is printable: a control character (other than tab, line and page breaks) means a binary format.
    if any((ord(c) < 32 and c not in "\t\n\r\f") or ord(c) == 127 for c in text):
        return None
    return "text/plain"


def clean(data: bytes, *, field: str = "attachment") -> CleanFile:
    """The file with its metadata removed, or a ValidationError on ``field`` saying what is wrong."""
    if not data:
        raise ValidationError({field: "The file is empty."})
    if len(data) > max_bytes():
        raise ValidationError({field: f"The file must be smaller than {max_bytes() // (1024 * 1024)} MB."})
    content_type = sniff(data)
    if content_type is None:
        raise ValidationError({field: f"The file must be one of: {ALLOWED}."})
    if content_type.startswith("image/"):
        return CleanFile(content_type, _clean_image(data, content_type, field))
    if content_type == "application/pdf":
        return CleanFile(content_type, _clean_pdf(data, field))
    return CleanFile(content_type, data)


def _clean_image(data: bytes, content_type: str, field: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.width * source.height > 50_000_000:
                raise ValidationError({field: "The image is too large."})
            source.load()
            # Turn the picture as its EXIF says, since the orientation tag goes with the rest.
            upright = ImageOps.exif_transpose(source) or source
            mode = "RGB" if content_type == "image/jpeg" else ("RGBA" if "A" in upright.mode else "RGB")
            pixels = upright.convert(mode)
            bare = Image.new(mode, pixels.size)
            bare.paste(pixels)
    except (OSError, Image.DecompressionBombError, SyntaxError, ValueError) as broken:
        raise ValidationError({field: "The image could not be read."}) from broken
    out = io.BytesIO()
    if content_type == "image/jpeg":
        bare.save(out, format="JPEG", quality=90)
    else:
        bare.save(out, format="PNG")
    return out.getvalue()


def _clean_pdf(data: bytes, field: str) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError({field: "The PDF is password-protected; attach it without a password."})
        writer = PdfWriter()
        for page in reader.pages:
            added = writer.add_page(page)
            for key in _PAGE_METADATA_KEYS:
                if key in added:
                    del added[NameObject(key)]
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except PyPdfError as broken:
        raise ValidationError({field: "The PDF could not be read."}) from broken
    except (ValueError, KeyError, TypeError, RecursionError) as broken:
        raise ValidationError({field: "The PDF could not be read."}) from broken
    return out.getvalue()
