"""Money with exact decimals and a currency code, formatted the way buyers read prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

_PREFIX = {"USD": "US$", "EUR": "€", "GBP": "£", "BRL": "R$", "CAD": "CA$", "AUD": "A$"}
_SUFFIX = {"RUB": " ₽", "UAH": " ₴", "PLN": " zł"}
CENT = Decimal("0.01")


@dataclass(frozen=True, order=True)
class Money:
    """An amount in one currency (ISO 4217 code)."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", Decimal(self.amount).quantize(CENT, ROUND_HALF_UP))
        object.__setattr__(self, "currency", self.currency.upper())

    def __str__(self) -> str:
        value = f"{self.amount:,.2f}"
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
