"""Path converters shared by the apps' URLconfs."""

from django.urls import register_converter


class RecordRefConverter:
    """A record's reference in a path: its id (up to 19 digits, a 64-bit key) or an analyst's opaque token.

    Anything else does not match the route, so it answers 404 before any view runs.
    """

    regex = r"[0-9]{1,19}|[A-Za-z0-9_-]{20,60}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(RecordRefConverter, "ref")
