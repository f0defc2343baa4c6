"""Reads of the organisation that views and the API share."""

from .models import PDU


def pdu_by_code(code: str) -> PDU | None:
    """The PDU with this code (as typed: surrounding spaces ignored), or None."""
    return PDU.objects.filter(code=code.strip()).first()
