"""When a buyer may be written to: quiet hours in the buyer's local time.

Buyer-facing follow-ups (:mod:`bot.domain.followups`) are moved out of the configured
quiet hours (``PARLEY_QUIET_HOURS``, e.g. ``21:00-09:00``), read in the buyer's time zone: a
representative zone for the buyer's country (:data:`COUNTRY_ZONES`), else the configured
fallback zone (``PARLEY_BUYER_TIMEZONE``). :class:`Timing` is the pair planning takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """A daily window (local time) in which buyers are not written to; may cross midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"21:00-09:00"``; ``""``/``"off"`` for none. Raises ValueError."""
        text = text.strip().lower()
        if text in ("", "off", "none", "no"):
            return None
        try:
            first, second = (part.strip() for part in text.replace("–", "-").split("-"))
            start, end = time.fromisoformat(first), time.fromisoformat(second)
        except ValueError:
            raise ValueError("must look like 21:00-09:00 (or off)") from None
        if start == end:
            raise ValueError("start and end are the same; use off to disable quiet hours")
        return cls(start, end)

    def contains(self, local: time) -> bool:
        """Whether a local wall-clock time is inside the window."""
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime, zone: tzinfo) -> datetime:
        """``moment`` itself if outside the window, else the window's end (UTC)."""
        local = moment.astimezone(zone)
        if not self.contains(local.time()):
            return moment
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)
        end = datetime.combine(day, self.end, tzinfo=zone)
        return max(end.astimezone(UTC), moment)


# A representative time zone per country (the most populous zone where there are several).
COUNTRY_ZONES: Mapping[str, str] = {
    "US": "America/New_York", "CA": "America/Toronto", "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo", "AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago",
    "CO": "America/Bogota", "PE": "America/Lima", "VE": "America/Caracas",
    "UY": "America/Montevideo", "EC": "America/Guayaquil", "BO": "America/La_Paz",
    "PY": "America/Asuncion", "GB": "Europe/London", "IE": "Europe/Dublin",
    "PT": "Europe/Lisbon", "ES": "Europe/Madrid", "FR": "Europe/Paris", "BE": "Europe/Brussels",
    "NL": "Europe/Amsterdam", "LU": "Europe/Luxembourg", "DE": "Europe/Berlin",
    "AT": "Europe/Vienna", "CH": "Europe/Zurich", "IT": "Europe/Rome", "PL": "Europe/Warsaw",
    "CZ": "Europe/Prague", "SK": "Europe/Bratislava", "HU": "Europe/Budapest",
    "SI": "Europe/Ljubljana", "HR": "Europe/Zagreb", "RS": "Europe/Belgrade",
    "RO": "Europe/Bucharest", "BG": "Europe/Sofia", "GR": "Europe/Athens",
    "DK": "Europe/Copenhagen", "SE": "Europe/Stockholm", "NO": "Europe/Oslo",
    "FI": "Europe/Helsinki", "EE": "Europe/Tallinn", "LV": "Europe/Riga",
    "LT": "Europe/Vilnius", "BY": "Europe/Minsk", "UA": "Europe/Kyiv",
    "MD": "Europe/Chisinau", "RU": "Europe/Moscow", "KZ": "Asia/Almaty",
    "UZ": "Asia/Tashkent", "KG": "Asia/Bishkek", "AM": "Asia/Yerevan", "GE": "Asia/Tbilisi",
    "AZ": "Asia/Baku", "TR": "Europe/Istanbul", "IL": "Asia/Jerusalem",
    "SA": "Asia/Riyadh", "AE": "Asia/Dubai", "QA": "Asia/Qatar", "KW": "Asia/Kuwait",
    "EG": "Africa/Cairo", "MA": "Africa/Casablanca", "DZ": "Africa/Algiers",
    "TN": "Africa/Tunis", "NG": "Africa/Lagos", "ZA": "Africa/Johannesburg",
    "KE": "Africa/Nairobi", "SN": "Africa/Dakar", "CI": "Africa/Abidjan",
    "CM": "Africa/Douala", "AO": "Africa/Luanda", "MZ": "Africa/Maputo",
    "IN": "Asia/Kolkata", "PK": "Asia/Karachi", "BD": "Asia/Dhaka", "LK": "Asia/Colombo",
    "CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong", "TW": "Asia/Taipei", "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul", "TH": "Asia/Bangkok", "VN": "Asia/Ho_Chi_Minh",
    "MY": "Asia/Kuala_Lumpur", "SG": "Asia/Singapore", "ID": "Asia/Jakarta",
    "PH": "Asia/Manila", "AU": "Australia/Sydney", "NZ": "Pacific/Auckland",
}  # fmt: skip


def buyer_zone(country: str, fallback: str = "UTC") -> tzinfo:
    """The buyer's time zone from an ISO country code (``fallback`` zone when unknown)."""
    return ZoneInfo(COUNTRY_ZONES.get(country.strip().upper(), fallback))


@dataclass(frozen=True)
class Timing:
    """When buyers may be written to."""

    quiet: QuietHours | None = None
    zone: tzinfo = UTC
