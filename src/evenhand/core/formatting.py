"""Numbers, ratios and dates as Evenhand writes them, the same on every page, report, chart and command.

Plain Python (no Django), so the statistics, the published report and the command line can use it too. Each
function takes one value and returns text; the templates have them as Jinja2 filters of the same names
(registered in :mod:`evenhand.core.jinja2`, and by the published report for its own environment).

The one convention:

==========================================  ======================  =========================================
case                                        on screen               in a published table (``published=True``)
==========================================  ======================  =========================================
a figure that could not be calculated       ``not available``       ``[x]``
(``None``, NaN, ``pandas.NA``)
a figure that has no meaning in that place  ``not applicable``      ``[z]``
(the reference group's own q-value)
a figure withheld to protect people         (staff see all)         ``[c]``, passed through as it is
an infinite ratio                           ``infinity``            ``infinity``
a p-value or q-value below 0.001            ``less than 0.001``     ``less than 0.001``
==========================================  ======================  =========================================

``[x]``, ``[z]`` and ``[c]`` are the Government Statistical Service's shorthand for published tables (with a
key saying what each means). On screen, words are clearer than symbols. A table cell that already holds one
of those symbols is written as it is, in either style. Negative infinity is ``minus infinity``.

Numbers are rounded half away from zero (2.675 to two decimals is 2.68, as a reader rounding the decimal
shown would expect, not 2.67 as binary floating point gives), with commas between thousands and no ``-0``:

* a count: ``1,234`` (it must be a whole number);
* a number: ``12.3`` with the decimals asked for (an expected count, say);
* a percentage, from a share between 0 and 1: ``18.9%`` (one decimal unless asked);
* a ratio (relative rate, odds ratio, observed ÷ expected): two decimals below 10 (``1.42``), one below 100
  (``12.3``), none above (``1,234``), two significant figures below 0.01 (``0.0042``) so a small ratio is
  never shown as ``0.00``, and ``0`` for zero; a negative ratio is a mistake and raises ``ValueError``;
* an interval: ``1.20 to 1.68`` (GOV.UK style writes ranges with "to"), and an estimate with its interval:
  ``1.42 (1.20 to 1.68)``, or the estimate alone when it has no interval;
* a p-value: three decimals (``0.042``), ``less than 0.001`` below that.

Dates are GOV.UK style: ``1 December 2026``; ``1 December 2026 at 10am``, ``at 2:30pm``, ``at midday``,
``at midnight``; ``December 2026``. Pass ``tz`` to write an aware datetime in that time zone (the filters in
the templates pass the current one); a naive datetime is taken as already local.
"""

import datetime as dt
import math
import numbers
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal

NOT_AVAILABLE = "not available"
NOT_APPLICABLE = "not applicable"
INFINITY = "infinity"
MINUS_INFINITY = "minus infinity"
LESS_THAN = "less than"
P_VALUE_FLOOR = Decimal("0.001")
ROUNDING_SLACK = Decimal("1e-9")

# The Government Statistical Service's shorthand for published tables.
PUBLISHED_NOT_AVAILABLE = "[x]"
PUBLISHED_NOT_APPLICABLE = "[z]"
PUBLISHED_CONFIDENTIAL = "[c]"
SYMBOLS = (PUBLISHED_NOT_AVAILABLE, PUBLISHED_NOT_APPLICABLE, PUBLISHED_CONFIDENTIAL)

Kind = Literal["ratio", "percent"]


# --- reading a value ---------------------------------------------------------------------------------------


def _value(value: Any) -> Decimal | float | None:
    """A finite value as an exact Decimal (of its shortest repr, so 2.675 stays 2.675), ±inf as a float, or
    None when there is no figure."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):  # pandas.NA and pandas.NaT
        return None
    if type(value).__name__ in ("bool", "bool_"):  # Python's and NumPy's (np.bool is not a bool)
        raise TypeError(f"a yes or no is not a number: {value!r}")
    if isinstance(value, Decimal):
        if value.is_nan():
            return None
        return value if value.is_finite() else float(value)
    if isinstance(value, numbers.Integral):
        return Decimal(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return number
        return Decimal(repr(number))
    raise TypeError(f"not a number: {value!r}")


def _missing(published: bool) -> str:
    return PUBLISHED_NOT_AVAILABLE if published else NOT_AVAILABLE


def _symbol(value: Any) -> str | None:
    return value if isinstance(value, str) and value in SYMBOLS else None


def _infinite(number: float) -> str:
    return INFINITY if number > 0 else MINUS_INFINITY


def _finite(value: Any, published: bool) -> Decimal | str:
    """The finite number to write, or the words that stand for a symbol, a missing or an infinite value."""
    if symbol := _symbol(value):
        return symbol
    number = _value(value)
    if number is None:
        return _missing(published)
    if isinstance(number, float):
        return _infinite(number)
    return number


def _rounded(number: Decimal, places: int) -> Decimal:
    """Half away from zero, and never ``-0``."""
    try:
        result = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds: a number far too big to round
        result = number
    return abs(result) if result == 0 else result


def _fixed(number: Decimal, places: int) -> str:
    return f"{_rounded(number, places):,.{places}f}"


# --- numbers -----------------------------------------------------------------------------------------------


def missing_text(*, published: bool = False) -> str:
    """A figure that could not be calculated: ``not available`` on screen, ``[x]`` in a published table."""
    return _missing(published)


def not_applicable_text(*, published: bool = False) -> str:
    """A figure that has no meaning in its place: ``not applicable`` on screen, ``[z]`` when published."""
    return PUBLISHED_NOT_APPLICABLE if published else NOT_APPLICABLE


def count_text(value: Any, *, published: bool = False) -> str:
    """A count of people or events: ``1,234``. A count that is not a whole number raises ``ValueError``."""
    number = _finite(value, published)
    if isinstance(number, str):
        return number
    if number != number.to_integral_value():
        raise ValueError(f"a count must be a whole number, not {value!r}: use number_text")
    return _fixed(number, 0)


def number_text(value: Any, decimals: int = 1, *, published: bool = False) -> str:
    """A number to ``decimals`` places with commas between thousands: ``1,234.5``."""
    number = _finite(value, published)
    if isinstance(number, str):
        return number
    return _fixed(number, decimals)


def percent_text(value: Any, decimals: int = 1, *, published: bool = False) -> str:
    """A share (0.189) as a percentage to ``decimals`` places: ``18.9%``."""
    number = _finite(value, published)
    if isinstance(number, str):
        return number
    return f"{_fixed(number * 100, decimals)}%"


def ratio_text(value: Any, *, published: bool = False) -> str:
    """A relative rate, odds ratio or observed ÷ expected: ``1.42``, ``12.3``, ``1,234``, ``0.0042``, ``0``,
    ``infinity``. Two decimals below 10, one below 100, none above; two significant figures below 0.01."""
    if symbol := _symbol(value):
        return symbol
    number = _value(value)
    if number is None:
        return _missing(published)
    if number < 0:
        raise ValueError(f"a ratio cannot be negative: {value!r}")
    if isinstance(number, float):
        return INFINITY
    if number == 0:
        return "0"
    if number < Decimal("0.01"):
        # Two significant figures, unless they round up to 0.01 (then it is written as the others are).
        places = 1 - number.adjusted()
        small = _rounded(number, places)
        if small < Decimal("0.01"):
            return f"{small:.{places}f}"
    for places, below in ((2, 10), (1, 100)):
        rounded = _rounded(number, places)
        if rounded < below:
            return _fixed(rounded, places)
    return _fixed(number, 0)


def _as(kind: Kind, decimals: int, published: bool) -> Callable[[Any], str]:
    if kind == "ratio":
        return lambda value: ratio_text(value, published=published)
    if kind == "percent":
        return lambda value: percent_text(value, decimals, published=published)
    raise ValueError(f"kind must be 'ratio' or 'percent', not {kind!r}")


def _absent(value: Any) -> bool:
    return _symbol(value) is None and _value(value) is None


def interval_text(
    low: Any, high: Any, *, kind: Kind = "ratio", decimals: int = 1, published: bool = False
) -> str:
    """A confidence interval: ``1.20 to 1.68`` (``kind="percent"``: ``15.9% to 22.5%``); when either end
    is missing, the interval is not available."""
    if _absent(low) or _absent(high):
        return _missing(published)
    write = _as(kind, decimals, published)
    return f"{write(low)} to {write(high)}"


def estimate_text(
    value: Any, low: Any, high: Any, *, kind: Kind = "ratio", decimals: int = 1, published: bool = False
) -> str:
    """An estimate with its interval: ``1.42 (1.20 to 1.68)``, or the estimate alone when it has no
    interval, or the missing word when there is no estimate."""
    text = _as(kind, decimals, published)(value)
    if _absent(value) or _symbol(value) or _absent(low) or _absent(high):
        return text
    return f"{text} ({interval_text(low, high, kind=kind, decimals=decimals, published=published)})"


def p_value_text(value: Any, *, published: bool = False) -> str:
    """A p-value or q-value: three decimals (``0.042``), or ``less than 0.001``. A value outside 0 to 1 (by
    more than floating-point rounding) raises ``ValueError``."""
    if symbol := _symbol(value):
        return symbol
    number = _value(value)
    if number is None:
        return _missing(published)
    if isinstance(number, float) or not -ROUNDING_SLACK <= number <= 1 + ROUNDING_SLACK:
        raise ValueError(f"a p-value lies between 0 and 1, not {value!r}")
    number = min(
        max(number, Decimal(0)), Decimal(1)
    )  # a sum of probabilities can overshoot by a rounding error
    if number < P_VALUE_FLOOR:
        return f"{LESS_THAN} {P_VALUE_FLOOR}"
    return _fixed(number, 3)


# --- dates -------------------------------------------------------------------------------------------------


def month_only(value: Any) -> bool:
    """Whether a date stands for its month only (``core.dates.MonthOnly``, as analysts see dates): its class
    says so with ``month_only = True``."""
    return getattr(value, "month_only", False) is True


def _local(value: Any, tz: dt.tzinfo | None) -> Any:
    if isinstance(value, dt.datetime) and tz is not None and value.tzinfo is not None:
        return value.astimezone(tz)
    return value


def date_text(value: Any, *, tz: dt.tzinfo | None = None, published: bool = False) -> str:
    """A date (or the date of a datetime): ``1 December 2026``; a date known to the month only
    (``core.dates.MonthOnly``, as analysts see dates): ``December 2026``."""
    if value is None:
        return _missing(published)
    if type(value) is dt.date:  # not a datetime, nor a date known to the month only
        return _day_text(value)
    if not isinstance(value, dt.date):
        raise TypeError(f"not a date: {value!r}")
    if month_only(value):
        return f"{value:%B %Y}"
    value = _local(value, tz)
    return f"{value.day} {value:%B %Y}"


@lru_cache(maxsize=8192)
def _day_text(value: dt.date) -> str:
    # A caseload's to-do list writes a few hundred distinct dates thousands of times. Plain dates only: two
    # aware datetimes of the same instant in different zones are equal, and would share an entry.
    return f"{value.day} {value:%B %Y}"


def time_text(value: dt.time | dt.datetime) -> str:
    """A time of day: ``10am``, ``2:30pm``, ``midday``, ``midnight``."""
    if (value.hour, value.minute) == (12, 0):
        return "midday"
    if (value.hour, value.minute) == (0, 0):
        return "midnight"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def date_time_text(value: Any, *, tz: dt.tzinfo | None = None, published: bool = False) -> str:
    """A date and time: ``1 December 2026 at 10am``, ``1 December 2026 at 2:30pm`` (seconds are dropped)."""
    if value is None:
        return _missing(published)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"not a date and time: {value!r}")
    if month_only(value):
        return f"{value:%B %Y}"
    value = _local(value, tz)
    return f"{date_text(value)} at {time_text(value)}"


def month_text(value: Any, *, tz: dt.tzinfo | None = None, published: bool = False) -> str:
    """A month: ``December 2026``."""
    if value is None:
        return _missing(published)
    if not isinstance(value, dt.date):
        raise TypeError(f"not a date: {value!r}")
    if month_only(value):
        return f"{value:%B %Y}"
    return f"{_local(value, tz):%B %Y}"


# The functions a template may use, by filter name. Each takes ``published``; the dates also take ``tz``.
FILTERS: dict[str, Callable[..., str]] = {
    "count_text": count_text,
    "number_text": number_text,
    "percent_text": percent_text,
    "ratio_text": ratio_text,
    "interval_text": interval_text,
    "estimate_text": estimate_text,
    "p_value_text": p_value_text,
    "date_text": date_text,
    "date_time_text": date_time_text,
    "month_text": month_text,
}
DATE_FILTERS = ("date_text", "date_time_text", "month_text")
