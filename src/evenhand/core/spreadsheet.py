"""Text written into files that people open in a spreadsheet (CSV exports)."""

# A spreadsheet reads a cell that starts with one of these as a formula (or, for a tab or carriage return,
# strips it and may read what follows as one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` as a cell that a spreadsheet shows as text and never runs as a formula (CSV injection).

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single quote,
    which spreadsheets take to mean "this is text" (OWASP, "CSV Injection"). Write numbers as numbers, not
    through this: it would turn ``-1`` into text.
    """
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
