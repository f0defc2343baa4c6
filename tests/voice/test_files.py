"""Attachments: type from the bytes, size limits, and metadata stripped from images and PDFs."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter

from evenhand.voice import files

MARKER = "Jane Reporter iPhone 51.5007N"


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (8, 6), "blue")
    exif = Image.Exif()
    exif[0x013B] = MARKER  # Artist
    exif[0x010F] = MARKER  # Make
    exif[0x0132] = "2026:11:30 09:14:02"  # DateTime
    exif[0x0112] = 6  # Orientation: turned
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=MARKER.encode())
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Author", MARKER)
    info.add_itxt("Description", MARKER)
    out = io.BytesIO()
    Image.new("RGBA", (5, 5), (255, 0, 0, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def pdf_with_metadata() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": MARKER, "/Creator": MARKER, "/Producer": MARKER, "/Title": MARKER})
    xmp = f'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><dc>{MARKER}</dc></x:xmpmeta><?xpacket end="w"?>'
    from pypdf.generic import NameObject, StreamObject

    stream = StreamObject()
    stream.set_data(xmp.encode())
    stream.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    writer.pages[0][NameObject("/PieceInfo")] = writer._add_object(StreamObject())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_fixtures_do_carry_the_marker():
    assert MARKER.encode() in jpeg_with_exif()
    assert MARKER.encode() in png_with_text()
    assert MARKER.encode() in pdf_with_metadata()


def test_jpeg_exif_and_comments_are_stripped_and_the_picture_kept_upright():
    clean = files.clean(jpeg_with_exif())
    assert clean.content_type == "image/jpeg"
    assert MARKER.encode() not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert not image.getexif()
        assert image.size == (6, 8)  # turned as the orientation tag said
        assert "comment" not in image.info


def test_png_text_chunks_are_stripped():
    clean = files.clean(png_with_text())
    assert clean.content_type == "image/png"
    assert MARKER.encode() not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.mode == "RGBA"
        assert not getattr(image, "text", {})


def test_pdf_information_xmp_and_page_metadata_are_stripped():
    clean = files.clean(pdf_with_metadata())
    assert clean.content_type == "application/pdf"
    assert MARKER.encode() not in clean.data
    reader = PdfReader(io.BytesIO(clean.data))
    assert len(reader.pages) == 1
    assert not reader.metadata
    assert "/Metadata" not in reader.trailer["/Root"]
    assert "/PieceInfo" not in reader.pages[0]


def test_text_is_kept_as_it_is():
    assert files.clean(b"Notes from the meeting").data == b"Notes from the meeting"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "must be one of"),  # a Windows program
        (b"PK\x03\x04 a zip or a Word document", "must be one of"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "could not be read"),
        (b"%PDF-1.7 not really a pdf", "could not be read"),
    ],
)
def test_wrong_types_and_broken_files_are_refused(data, message):
    with pytest.raises(ValidationError) as refused:
        files.clean(data)
    assert message in refused.value.message_dict["attachment"][0]


def test_an_encrypted_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationError) as refused:
        files.clean(out.getvalue())
    assert "password" in refused.value.message_dict["attachment"][0]


def test_the_size_limit(settings):
    settings.VOICE_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        files.clean(b"a" * 11)
    assert "smaller than" in refused.value.message_dict["attachment"][0]
    assert files.clean(b"a" * 10).data == b"a" * 10
