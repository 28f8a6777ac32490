"""Entities in buyer messages: order and tracking numbers, money, sizes, dates.

Extraction is rule-based and conservative: a look-alike (a phone number, a price, a model name
like ``iPhone 14``) must not be mistaken for an order number, a tracking number or a size.
Spans already taken by one kind of entity are not read again by the next kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from bot.domain.money import Money


@dataclass(frozen=True)
class TrackingNumber:
    """A parcel tracking number and the carrier family its format belongs to."""

    number: str
    carrier: str


@dataclass(frozen=True)
class Size:
    """A clothes or shoe size as written (``system`` is ``EU``, ``US``, ``UK``, ``letter`` …)."""

    value: str
    system: str


@dataclass(frozen=True)
class DateMention:
    """A date the buyer wrote; ``month``/``year`` are None when not given."""

    text: str
    day: int
    month: int | None = None
    year: int | None = None


@dataclass(frozen=True)
class Entities:
    """Everything found in one message, in order of appearance."""

    order_numbers: tuple[str, ...] = ()
    tracking_numbers: tuple[TrackingNumber, ...] = ()
    amounts: tuple[Money, ...] = ()
    sizes: tuple[Size, ...] = ()
    dates: tuple[DateMention, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(
            self.order_numbers or self.tracking_numbers or self.amounts or self.sizes or self.dates
        )

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "order_numbers": list(self.order_numbers),
            "tracking_numbers": [
                {"number": t.number, "carrier": t.carrier} for t in self.tracking_numbers
            ],
            "amounts": [{"amount": str(m.amount), "currency": m.currency} for m in self.amounts],
            "sizes": [{"value": s.value, "system": s.system} for s in self.sizes],
            "dates": [
                {"text": d.text, "day": d.day, "month": d.month, "year": d.year} for d in self.dates
            ],
        }


# --------------------------------------------------------------------------- order numbers

# AliExpress-style order numbers: exactly 16 digits, not part of a longer digit run, not a
# phone number (no leading +) and not an amount (no currency sign right before it).
_ORDER = re.compile(r"(?<![\w+$€£₽.,])(\d{16})(?![\w]|[.,]\d)")

# --------------------------------------------------------------------------- tracking numbers

_TRACKING: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("UPU", re.compile(r"\b([A-Z]{2}\d{9}[A-Z]{2})\b")),
    ("Cainiao", re.compile(r"\b(LP\d{12,18})\b")),
    ("YunExpress", re.compile(r"\b(YT\d{16})\b")),
    ("Cainiao", re.compile(r"\b(CNG\d{10,16}|CAINIAO\d{8,16}|AE\d{14,16}|UB\d{12,16})\b")),
    ("4PX", re.compile(r"\b(4PX\d{10,16}[A-Z]{0,2})\b")),
    ("SF Express", re.compile(r"\b(SF\d{12,13})\b")),
    ("J&T", re.compile(r"\b(JT\d{12,16})\b")),
    ("Yanwen", re.compile(r"\b(UE\d{9}YP|Y[A-Z]\d{9}YW)\b")),
    ("Cainiao", re.compile(r"\b(ALS\d{10,16}|LY\d{9}[A-Z]{2}|ZY\d{10,16})\b")),
)

# --------------------------------------------------------------------------- money

_NUMBER = r"\d{1,3}(?:[ \u00a0.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_SYMBOLS: dict[str, str] = {
    "us$": "USD", "u$": "USD", "usd$": "USD", "ca$": "CAD", "c$": "CAD", "a$": "AUD",
    "au$": "AUD", "r$": "BRL", "$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "₴": "UAH",
}  # fmt: skip
_WORDS: dict[str, str] = {
    "usd": "USD", "dollar": "USD", "dollars": "USD", "dolar": "USD", "dolares": "USD",
    "dólares": "USD", "dólar": "USD", "dollares": "USD", "bucks": "USD", "долларов": "USD",
    "доллара": "USD", "доллар": "USD", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "евро": "EUR", "gbp": "GBP", "pounds": "GBP", "pound": "GBP", "quid": "GBP",
    "brl": "BRL", "reais": "BRL", "real": "BRL", "rub": "RUB", "rur": "RUB", "руб": "RUB",
    "рублей": "RUB", "рубля": "RUB", "рубль": "RUB", "р": "RUB", "rubles": "RUB",
    "roubles": "RUB", "rublos": "RUB", "cad": "CAD", "aud": "AUD", "mxn": "MXN",
    "uah": "UAH", "грн": "UAH", "pln": "PLN", "zł": "PLN", "zl": "PLN",
}  # fmt: skip
_SYM_RE = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
_WORD_RE = "|".join(re.escape(w) for w in sorted(_WORDS, key=len, reverse=True))
_MONEY_BEFORE = re.compile(
    rf"(?<![\w$])(?P<cur>{_SYM_RE}|(?:{_WORD_RE})(?=\s?\d))\s?(?P<num>{_NUMBER})(?![\d])",
    re.IGNORECASE,
)
_MONEY_AFTER = re.compile(
    rf"(?<![\d.,])(?P<num>{_NUMBER})\s?(?P<cur>{_SYM_RE}|(?:{_WORD_RE})(?![\w]))",
    re.IGNORECASE,
)

# --------------------------------------------------------------------------- sizes

_SIZE_WORDS = r"size|sz|talla|talle|taille|tamanho|tam|numero|número|n[º°]|размер|размера|размеру"
_LETTER = r"(?:[2-6]XL|X{1,4}L|X{1,3}S|XS|S|M|L|P|G|GG|EG|EGG)"
_SIZE_EU = re.compile(r"\b(EU|EUR|US|UK|BR|RU)\s?(\d{1,2}(?:[.,]5)?)\b", re.IGNORECASE)
_SIZE_AFTER_WORD = re.compile(
    rf"(?<![\w])(?:{_SIZE_WORDS})(?![^\W\d])\s?(?::|-)?\s?(\d{{2}}(?:[.,]5)?|{_LETTER})(?![\w])",
    re.IGNORECASE,
)
_SIZE_BEFORE_WORD = re.compile(
    rf"(?<![\w.,])(\d{{2}}(?:[.,]5)?|{_LETTER})\s(?:{_SIZE_WORDS})(?![\w])", re.IGNORECASE
)
_SIZE_LETTER_ALONE = re.compile(r"(?<![\w])([2-6]XL|X{1,4}L|X{1,3}S)(?![\w])")

# --------------------------------------------------------------------------- dates

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan enero ene janeiro jan janvier janv января январь янв",
        "february feb febrero feb fevereiro fev février fevrier fevr февраля февраль фев",
        "march mar marzo mar março marco mars марта март мар",
        "april apr abril abr avril avr апреля апрель апр",
        "may mayo maio mai мая май",
        "june jun junio junho juin июня июнь",
        "july jul julio julho juillet juil июля июль",
        "august aug agosto ago août aout августа август авг",
        "september sep sept septiembre setiembre setembro set septembre сентября сентябрь сен",
        "october oct octubre outubro out octobre октября октябрь окт",
        "november nov noviembre novembro novembre ноября ноябрь ноя",
        "december dec diciembre dic dezembro dez décembre decembre декабря декабрь дек",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_NUMERIC = re.compile(
    r"(?<![\d.,/+-])(\d{4})-(\d{2})-(\d{2})(?![\d])"
    r"|(?<![\d.,/+-])(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2}))?(?![\d]|[.,/-]\d|\s?[%$€£₽])"
)
_DATE_DAY_MONTH = re.compile(
    rf"(?<![\w.,])(\d{{1,2}})(?:st|nd|rd|th|er|º)?\s(?:de\s|of\s)?({_MONTH_RE})\.?(?![\w])"
    rf"(?:\s(?:de\s)?(\d{{4}}))?",
    re.IGNORECASE,
)
_DATE_MONTH_DAY = re.compile(
    rf"(?<![\w])({_MONTH_RE})\.?\s(\d{{1,2}})(?:st|nd|rd|th)?(?![\w.,]\d|\d)(?:,?\s(\d{{4}}))?",
    re.IGNORECASE,
)
_DATE_ORDINAL = re.compile(r"\b(?:the|on)\s(\d{1,2})(st|nd|rd|th)\b", re.IGNORECASE)


# Placeholder words that stand for an entity in masked text (see :func:`mask_entities`).
PLACEHOLDERS: dict[str, str] = {
    "order": "qqorderqq",
    "tracking": "qqtrackingqq",
    "money": "qqmoneyqq",
    "size": "qqsizeqq",
    "date": "qqdateqq",
}


@dataclass(frozen=True)
class Scan:
    """One pass of the entity rules over a message, for every reader of it to share.

    The buyer use case scans a message once; picking the order it names, the linking
    question, the language, the intent and the card's gist all read this result. A reader
    given a scan of other text, or none, scans its own (:meth:`reuse`).
    """

    text: str
    entities: Entities
    spans: tuple[tuple[int, int, str], ...]

    @classmethod
    def of(cls, text: str) -> Scan:
        """Scan ``text``."""
        entities, spans = scan_entities(text)
        return cls(text, entities, tuple(spans))

    @classmethod
    def reuse(cls, given: Scan | None, text: str) -> Scan:
        """``given`` if it is a scan of ``text``, else a new scan of ``text``."""
        return given if given is not None and given.text == text else cls.of(text)

    def masked(self) -> str:
        """The text with every entity replaced by its placeholder word."""
        return mask_entities(self.text, list(self.spans)) if self.spans else self.text


def extract_entities(text: str) -> Entities:
    """Find order numbers, tracking numbers, amounts, sizes and dates in ``text``."""
    return scan_entities(text)[0]


def mask_entities(text: str, spans: list[tuple[int, int, str]] | None = None) -> str:
    """``text`` with every entity replaced by its placeholder word (``$12`` → ``qqmoneyqq``).

    Lets the matcher learn that "paid $40, now $25" is about prices without caring which.
    """
    if spans is None:
        spans = scan_entities(text)[1]
    out: list[str] = []
    last = 0
    for start, end, kind in sorted(spans):
        if start < last:
            continue
        out.append(text[last:start])
        out.append(f" {PLACEHOLDERS[kind]} ")
        last = end
    out.append(text[last:])
    return "".join(out)


def order_numbers(text: str) -> list[str]:
    """The order numbers ``text`` mentions, in order of appearance.

    The one rule for an order number (:func:`scan_entities` reads them the same way): 16
    digits standing alone, not a phone number and not an amount.
    """
    return [match.group(1) for match in _order_matches(text)]


def _order_matches(text: str) -> list[re.Match[str]]:
    return [m for m in _ORDER.finditer(text) if not _is_phone_context(text, m.start())]


def scan_entities(text: str) -> tuple[Entities, list[tuple[int, int, str]]]:
    """Entities of ``text`` and their spans as (start, end, kind) with kind a PLACEHOLDERS key."""
    if not _ANY_DIGIT.search(text):
        return _letter_sizes_only(text)
    taken: list[tuple[int, int]] = []
    kinds: list[str] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    orders: list[str] = []
    for match in _order_matches(text):
        orders.append(match.group(1))
        taken.append(match.span())
        kinds.append("order")

    tracking: list[tuple[int, TrackingNumber]] = []
    upper = text.upper()
    for carrier, pattern in _TRACKING:
        for match in pattern.finditer(upper):
            if free(*match.span()):
                tracking.append((match.start(), TrackingNumber(match.group(1), carrier)))
                taken.append(match.span())
                kinds.append("tracking")
    tracking.sort(key=lambda pair: pair[0])

    amounts: list[tuple[int, Money]] = []
    for pattern in (_MONEY_BEFORE, _MONEY_AFTER):
        for match in pattern.finditer(text):
            if not free(*match.span()):
                continue
            money = _money(match.group("num"), match.group("cur"))
            if money is not None:
                amounts.append((match.start(), money))
                taken.append(match.span())
                kinds.append("money")
    amounts.sort(key=lambda pair: pair[0])

    dates: list[tuple[int, DateMention]] = []
    for match in _DATE_NUMERIC.finditer(text):
        mention = _numeric_date(match)
        if mention is not None and free(*match.span()):
            dates.append((match.start(), mention))
            taken.append(match.span())
            kinds.append("date")
    for match in _DATE_DAY_MONTH.finditer(text):
        if free(*match.span()):
            day, month = int(match.group(1)), _MONTHS[match.group(2).casefold()]
            year = int(match.group(3)) if match.group(3) else None
            if 1 <= day <= 31:
                dates.append((match.start(), DateMention(match.group(0), day, month, year)))
                taken.append(match.span())
                kinds.append("date")
    for match in _DATE_MONTH_DAY.finditer(text):
        if free(*match.span()):
            month, day = _MONTHS[match.group(1).casefold()], int(match.group(2))
            year = int(match.group(3)) if match.group(3) else None
            if 1 <= day <= 31:
                dates.append((match.start(), DateMention(match.group(0), day, month, year)))
                taken.append(match.span())
                kinds.append("date")
    for match in _DATE_ORDINAL.finditer(text):
        day = int(match.group(1))
        if free(*match.span()) and 1 <= day <= 31:
            dates.append((match.start(), DateMention(match.group(0), day)))
            taken.append(match.span())
            kinds.append("date")
    dates.sort(key=lambda pair: pair[0])

    sizes: list[tuple[int, Size]] = []
    for match in _SIZE_EU.finditer(text):
        if free(*match.span()):
            sizes.append((match.start(), Size(match.group(2), match.group(1).upper())))
            taken.append(match.span())
            kinds.append("size")
    for pattern in (_SIZE_AFTER_WORD, _SIZE_BEFORE_WORD, _SIZE_LETTER_ALONE):
        for match in pattern.finditer(text):
            if free(*match.span()):
                value = match.group(1)
                system = "number" if value[0].isdigit() else "letter"
                sizes.append((match.start(), Size(value.upper(), system)))
                taken.append(match.span())
                kinds.append("size")
    sizes.sort(key=lambda pair: pair[0])

    entities = Entities(
        tuple(orders),
        tuple(t for _, t in tracking),
        tuple(m for _, m in amounts),
        tuple(s for _, s in sizes),
        tuple(d for _, d in dates),
    )
    spans = [(a, b, kind) for (a, b), kind in zip(taken, kinds, strict=True)]
    return entities, spans


_ANY_DIGIT = re.compile(r"\d")


def _letter_sizes_only(text: str) -> tuple[Entities, list[tuple[int, int, str]]]:
    """The fast path for text without digits: only letter sizes (``XL``, ``talla M``)."""
    sizes: list[tuple[int, Size]] = []
    spans: list[tuple[int, int, str]] = []
    for pattern in (_SIZE_AFTER_WORD, _SIZE_BEFORE_WORD, _SIZE_LETTER_ALONE):
        for match in pattern.finditer(text):
            start, end = match.span()
            if all(end <= a or start >= b for a, b, _ in spans):
                sizes.append((start, Size(match.group(1).upper(), "letter")))
                spans.append((start, end, "size"))
    sizes.sort(key=lambda pair: pair[0])
    return Entities(sizes=tuple(s for _, s in sizes)), spans


def _is_phone_context(text: str, start: int) -> bool:
    before = text[max(0, start - 12) : start].casefold()
    return any(word in before for word in ("tel", "phone", "тел", "+"))


def _money(number: str, currency: str) -> Money | None:
    code = _SYMBOLS.get(currency.casefold()) or _WORDS.get(currency.casefold())
    if code is None:
        return None
    amount = _parse_number(number)
    if amount is None:
        return None
    return Money(amount, code)


def _parse_number(raw: str) -> Decimal | None:
    """``3 800``, ``1.234,56``, ``34.99``, ``19,80`` → Decimal."""
    text = raw.replace("\u00a0", " ")
    last_sep = max(text.rfind("."), text.rfind(","))
    if last_sep >= 0 and len(text) - last_sep - 1 in (1, 2):
        whole, cents = text[:last_sep], text[last_sep + 1 :]
    else:
        whole, cents = text, ""
    digits = re.sub(r"[ .,]", "", whole)
    try:
        return Decimal(f"{digits}.{cents}" if cents else digits)
    except InvalidOperation:
        return None


def _numeric_date(match: re.Match[str]) -> DateMention | None:
    if match.group(1):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    else:
        day, month = int(match.group(4)), int(match.group(5))
        year_text = match.group(6)
        year = None
        if year_text:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        if month > 12 and day <= 12 and "/" in match.group(0):  # US order: 05/28
            day, month = month, day
        if "." in match.group(0) and not year_text and len(match.group(5)) != 2:
            return None  # "4.5 stars" is a number, "02.11" is a date
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return DateMention(match.group(0), day, month, year)
