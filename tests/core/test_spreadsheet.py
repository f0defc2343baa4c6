"""The one guard against CSV (formula) injection, shared by every CSV Evenhand writes."""

import pytest

from evenhand.core.spreadsheet import spreadsheet_safe


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ('=HYPERLINK("http://example.com")', '\'=HYPERLINK("http://example.com")'),
    ],
)
def test_text_a_spreadsheet_would_run_is_quoted(text: str, cell: str) -> None:
    assert spreadsheet_safe(text) == cell


@pytest.mark.parametrize("text", ["", "White", "Asian or Asian British", "1+2", "a=b", "O'Connor", "'quoted"])
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert spreadsheet_safe(text) == text
