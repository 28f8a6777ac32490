"""Configuration from environment variables (``PARLEY_*``) and an optional ``parley.toml``.

Environment variables win over the file. A missing or invalid value stops start-up with one
line naming the setting (see :func:`load_settings`).
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.domain.languages import BUYER_LANGUAGES

TELEGRAM_API = "https://api.telegram.org"
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")  # Telegram's secret_token alphabet


class ConfigError(Exception):
    """A setting is missing or invalid; the message names it."""


class Policy(BaseModel):
    """Seller policy: what Parley may offer on the seller's behalf."""

    coupon_bonus_percent: Decimal = Field(default=Decimal(10), ge=0, le=100)
    max_partial_refund_percent: Decimal = Field(default=Decimal(30), ge=0, le=100)
    delay_refund_percent: Decimal = Field(default=Decimal(10), ge=0, le=100)
    coupon_value: Decimal = Field(default=Decimal(3), ge=0)
    wait_days: int = Field(default=15, ge=1, le=90)
    auto_approve: list[str] = Field(default_factory=lambda: ["greeting", "thanks", "order_status"])
    seller_language: str = Field(default="en", pattern="^(en|zh)$")
    first_response_hours: float = Field(default=12, gt=0)


class DisputeSettings(BaseModel):
    """Dispute clock and metric alerts (``[disputes]`` in parley.toml, ``PARLEY_DISPUTES__*``).

    Days count from the moment a dispute was opened (day 0); see ``bot/domain/disputes.py``.
    """

    answer_days: int = Field(default=5, ge=1, le=60)
    window_opens_day: int = Field(default=4, ge=0, le=120)
    window_closes_day: int = Field(default=15, ge=0, le=120)
    escalation_day: int = Field(default=16, ge=1, le=121)
    return_shipping_days: int = Field(default=10, ge=1, le=60)
    protection_days: int = Field(default=60, ge=1, le=365)
    warn_days_before_close: list[int] = Field(default_factory=lambda: [3, 1])
    answer_warning_hours: int = Field(default=24, ge=0)
    odr_threshold_percent: float = Field(default=5.0, gt=0, le=100)
    odr_min_orders: int = Field(default=20, ge=1)
    timezone: str = "UTC"
    check_every_seconds: float = Field(default=300.0, ge=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (use e.g. Asia/Shanghai)") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DisputeSettings:
        from bot.domain.disputes import DisputeRules

        DisputeRules(
            answer_days=self.answer_days, window_opens_day=self.window_opens_day,
            window_closes_day=self.window_closes_day, escalation_day=self.escalation_day,
            return_shipping_days=self.return_shipping_days,
            protection_days=self.protection_days,
            warn_days_before_close=tuple(self.warn_days_before_close),
            answer_warning_hours=self.answer_warning_hours,
        )  # fmt: skip  # raises ValueError naming the inconsistency
        return self


class Settings(BaseSettings):
    """All of Parley's settings. Field ``x`` is read from ``PARLEY_X`` or ``x`` in parley.toml."""

    model_config = SettingsConfigDict(
        env_prefix="PARLEY_",
        env_nested_delimiter="__",
        extra="ignore",
        toml_file="parley.toml",
    )

    bot_token: SecretStr | None = None
    bot_username: str | None = None
    telegram_api: str = TELEGRAM_API
    seller_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # team console (README "Team console"): a forum supergroup with one topic per buyer chat,
    # and the Telegram users who may act there (rights follow the person, bot.domain.team)
    seller_group_id: int | None = None
    seller_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # a SQLite file (a path, or sqlite:///path), or postgresql://user:pass@host:port/db;
    # read as a Path for SQLite and kept as the URL string for PostgreSQL (see _database)
    database: Path | str = Path("parley.sqlite3")
    link_secret: SecretStr | None = None
    default_language: str = "en"
    intents_dir: Path | None = None
    replies_dir: Path | None = None
    # the trained intent engine is kept here (bot/content/engine_cache.py); default
    # $XDG_CACHE_HOME/parley or ~/.cache/parley
    cache_dir: Path | None = None
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line (bot/logs.py)
    policy: Policy = Field(default_factory=Policy)
    disputes: DisputeSettings = Field(default_factory=DisputeSettings)
    # follow-ups, the order API and webhook mode (README: "Follow-ups and the order API")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=0, le=65535)
    api_token: SecretStr | None = None
    metrics_token: SecretStr | None = None  # GET /metrics; defaults to api_token
    webhook_secret: SecretStr | None = None
    outbox_keep_days: float = Field(default=30.0, gt=0)  # delivered rows are deleted after
    quiet_hours: str = "21:00-09:00"
    buyer_timezone: str = "UTC"
    followups_file: Path | None = None

    @field_validator("seller_chat_ids", "seller_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return [p for p in parts if p]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("seller_group_id")
    @classmethod
    def _group(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError("must be a supergroup's chat id (negative, like -1001234567890)")
        return value

    @model_validator(mode="after")
    def _team(self) -> Settings:
        if self.seller_group_id is None:
            return self
        if not self.seller_user_ids:
            raise ValueError(
                "seller_user_ids: list the Telegram user ids who may act in the team group"
            )
        if self.seller_group_id in self.seller_chat_ids:
            raise ValueError(
                "seller_chat_ids: the team group is PARLEY_SELLER_GROUP_ID; do not list it here"
            )
        return self

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: Any) -> Any:
        if isinstance(value, Path):
            return value
        text = str(value).strip()
        if not text:
            raise ValueError("must be a SQLite file path or a postgresql:// URL")
        scheme, sep, rest = text.partition("://")
        if not sep:
            return Path(text)
        if scheme in ("postgresql", "postgres", "postgresql+asyncpg"):
            return text
        if scheme in ("sqlite", "sqlite+aiosqlite") and rest.startswith("/") and rest[1:]:
            return Path(rest[1:])  # sqlite:///rel/x.db or sqlite:////abs/x.db
        raise ValueError("must be a SQLite file path (or sqlite:///path) or a postgresql:// URL")

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value().strip()
        head, sep, tail = raw.partition(":")
        if not (sep and head.isdigit() and tail):
            raise ValueError("must look like 123456:ABC-DEF… (the token BotFather gives)")
        return SecretStr(raw)

    @field_validator("telegram_api")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL of a Bot API server")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        from bot.domain.followups import QuietHours

        QuietHours.parse(value)
        return value.strip()

    @field_validator("buyer_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone like Europe/Moscow") from None
        return value.strip()

    @field_validator("api_token", "metrics_token")
    @classmethod
    def _api_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 16:
            raise ValueError("must be at least 16 characters (a random string)")
        return SecretStr(value.get_secret_value().strip()) if value is not None else None

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 16–256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            if value not in ("text", "json"):
                raise ValueError("must be text or json")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in BUYER_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(BUYER_LANGUAGES)}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("PARLEY_CONFIG", "parley.toml"))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_path),
        )

    def require_token(self) -> SecretStr:
        """The bot token, or :class:`ConfigError` naming ``PARLEY_BOT_TOKEN``."""
        if self.bot_token is None:
            raise ConfigError("PARLEY_BOT_TOKEN: missing (the token BotFather gave the bot)")
        return self.bot_token

    def sqlite_file(self, command: str) -> Path:
        """The SQLite file of ``PARLEY_DATABASE``, or :class:`ConfigError` saying ``command``
        works on SQLite only."""
        if isinstance(self.database, Path):
            return self.database
        raise ConfigError(
            f"PARLEY_DATABASE: parley {command} works on a SQLite file only; this is "
            "PostgreSQL (use pg_dump/pg_restore, or parley db copy to move a SQLite file in)"
        )

    def require_link_secret(self) -> SecretStr:
        """The deep-link signing secret, or :class:`ConfigError` naming ``PARLEY_LINK_SECRET``."""
        if self.link_secret is None or len(self.link_secret.get_secret_value()) < 16:
            raise ConfigError(
                "PARLEY_LINK_SECRET: missing or shorter than 16 characters "
                "(a random string that signs buyer deep links)"
            )
        return self.link_secret


def load_settings(**overrides: Any) -> Settings:
    """Build :class:`Settings`, turning validation errors into one readable :class:`ConfigError`."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "_".join(str(part) for part in first["loc"] if not isinstance(part, int))
        message = str(first["msg"])
        if not field:  # a rule across settings (_team): the message starts with the field
            field, _, message = message.removeprefix("Value error, ").partition(": ")
        raise ConfigError(f"PARLEY_{field.upper()}: {message}") from None
    except ValueError as exc:  # malformed parley.toml
        raise ConfigError(f"parley.toml: {exc}") from None
