"""Money with exact decimals and a currency code, formatted the way buyers read prices.

Amounts keep two decimals, three for the currencies whose minor unit is a thousandth
(:data:`THREE_DECIMALS`: KWD, BHD, OMR, JOD, TND, IQD, LYD). Zero-decimal currencies such as
JPY or KRW still keep two: an export that writes ``1200.00`` JPY is not wrong, just verbose.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

_PREFIX = {"USD": "US$", "EUR": "€", "GBP": "£", "BRL": "R$", "CAD": "CA$", "AUD": "A$"}
_SUFFIX = {"RUB": " ₽", "UAH": " ₴", "PLN": " zł"}
CENT = Decimal("0.01")
THREE_DECIMALS = frozenset({"KWD", "BHD", "OMR", "JOD", "TND", "IQD", "LYD"})


def decimals(currency: str) -> int:
    """How many decimals an amount in ``currency`` may have (2, or 3 for e.g. KWD)."""
    return 3 if currency.upper() in THREE_DECIMALS else 2


def minor_unit(currency: str) -> Decimal:
    """The smallest amount ``currency`` is counted in (``0.01``, or ``0.001`` for e.g. KWD)."""
    return Decimal(1).scaleb(-decimals(currency))


@dataclass(frozen=True, order=True)
class Money:
    """An amount in one currency (ISO 4217 code)."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", self.currency.upper())
        unit = minor_unit(self.currency)
        object.__setattr__(self, "amount", Decimal(self.amount).quantize(unit, ROUND_HALF_UP))

    def __str__(self) -> str:
        value = f"{self.amount:,.{decimals(self.currency)}f}"
        if self.currency in _PREFIX:
            return f"{_PREFIX[self.currency]}{value}"
        if self.currency in _SUFFIX:
            return f"{value}{_SUFFIX[self.currency]}"
        return f"{value} {self.currency}"

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def times(self, factor: Decimal | int) -> Money:
        """This amount multiplied by ``factor``."""
        return Money(self.amount * Decimal(factor), self.currency)

    def ceil_whole(self) -> Money:
        """Rounded up to a whole unit (coupons are whole numbers)."""
        return Money(self.amount.to_integral_value(ROUND_CEILING), self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")
