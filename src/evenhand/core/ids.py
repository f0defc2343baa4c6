"""Record ids as people and programs type them."""

# Ids are 64-bit database keys.
MAX_ID = 2**63 - 1


def parse_id(text: object) -> int | None:
    """The id ``text`` names: ASCII digits of a key from 1 to ``MAX_ID``; None for anything else.

    A number beyond 64 bits is no id at all: asked for it, SQLite fails rather than finding nothing.
    """
    value = str(text)
    if value.isascii() and value.isdigit() and len(value) <= 19 and 1 <= int(value) <= MAX_ID:
        return int(value)
    return None
