"""What an acceptable id, text, date and amount is: the value rules every way order data
enters shares (CSV files, :mod:`bot.domain.csvimport`; the order API's orders and events,
:mod:`bot.domain.orderjson` and :mod:`bot.domain.orderevents`). Pure: each check takes a
value and says why it is not acceptable, or parses it.

* **ids**: 1–:data:`MAX_ID` printable characters, no ``/``, ``\\`` or ``..``
  (:func:`id_problem`);
* **text**: no control characters, bidi overrides or lone surrogates, within a limit
  (:func:`text_problem`);
* **dates**: ISO 8601, naive values UTC, between 1970-01-01 and 2100-12-31 UTC
  (:func:`parse_datetime`, :class:`DateOutOfRange`);
* **amounts**: plain decimals, zero or more and under :data:`MAX_AMOUNT`, with no more
  decimals than the currency has (:func:`parse_amount`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal

from bot.domain.money import decimals

MAX_ID = 64
MIN_DATE = datetime(1970, 1, 1, tzinfo=UTC)
END_DATE = datetime(2101, 1, 1, tzinfo=UTC)  # exclusive: 2100-12-31 is the last day
MAX_AMOUNT = Decimal(1_000_000_000)  # exclusive
PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?")
"""A plain decimal (``29.90``): what the order API accepts as an amount."""

_SLASH_DATE = re.compile(r"^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})")
# Embedding, override and isolate controls: they make text read differently than it is.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


class DateOutOfRange(ValueError):
    """A well-formed date before 1970 or after 2100."""


def show(value: str, limit: int = 40) -> str:
    """``value`` quoted for a message, cut to ``limit`` characters."""
    return repr(value[:limit] + "…") if len(value) > limit else repr(value)


def text_problem(value: str, limit: int, multiline: bool = False) -> str | None:
    """Why ``value`` is not acceptable free text (None when it is)."""
    if len(value) > limit:
        return f"too long (at most {limit} characters)"
    for char in value:
        if multiline and char in "\n\t":
            continue
        if char in _BIDI or unicodedata.category(char) in ("Cc", "Cs", "Co", "Zl", "Zp"):
            return f"contains the control character U+{ord(char):04X}"
    return None


def id_problem(value: str, limit: int = MAX_ID) -> str | None:
    """Why ``value`` is not an acceptable id (None when it is): 1–``limit`` printable
    characters, no path separators or ``..`` (ids end up in links, file names and logs)."""
    if not value.strip():
        return "is empty"
    if value != value.strip():
        return "has leading or trailing spaces"
    if len(value) > limit:
        return f"too long (at most {limit} characters)"
    for char in value:
        if not char.isprintable():
            return f"contains the non-printable character U+{ord(char):04X}"
    if "/" in value or "\\" in value or ".." in value:
        return "must not contain /, \\ or .."
    return None


def parse_datetime(text: str) -> datetime:
    """ISO 8601 date or datetime (``2026/05/01`` too); naive values are UTC. Raises ValueError,
    :class:`DateOutOfRange` (a ValueError) outside 1970-01-01 … 2100-12-31 UTC."""
    text = _SLASH_DATE.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text.strip())
    if len(text) > 40 or not text.isascii():
        raise ValueError("not an ISO-8601 date")
    if len(text) == 10:
        d = date.fromisoformat(text)
        value = datetime(d.year, d.month, d.day, tzinfo=UTC)
    else:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:  # year 1 at +08:00 is before year 1 in UTC
        raise DateOutOfRange("outside 1970–2100") from None
    if not MIN_DATE <= in_utc < END_DATE:
        raise DateOutOfRange("outside 1970–2100")
    return value


def parse_amount(
    text: str, currency: str, field: str = "amount", places: int | None = None
) -> Decimal:
    """A plain decimal amount in ``currency``: zero or more, under 10⁹, no more decimals than
    the currency has (or ``places``). Raises ValueError with the reason, starting with
    ``field``."""
    if not PLAIN_AMOUNT.fullmatch(text):
        raise ValueError(f"{field} {show(text)} is not an amount like 29.90")
    amount = Decimal(text)
    if amount < 0:
        raise ValueError(f"{field} {show(text)} must be zero or more")
    if amount >= MAX_AMOUNT:
        raise ValueError(f"{field} {show(text)} must be less than {MAX_AMOUNT:,}")
    places = decimals(currency) if places is None else places
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        where = f" for {currency}" if currency else ""
        raise ValueError(f"{field} {show(text)} has more than {places} decimals{where}")
    return amount
