"""``PARLEY_LOG_FORMAT``: JSON lines with the update context; the text format as it was."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.logs import (
    add_log_context,
    configure_logging,
    current_log_context,
    log_context,
    make_handler,
)
from bot.settings import ConfigError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"


class Capture:
    def __init__(self, fmt: str) -> None:
        self.stream = io.StringIO()
        self.logger = logging.getLogger(f"parley.test.{fmt}")
        self.logger.setLevel(logging.DEBUG)
        self.logger.propagate = False
        self.handler = make_handler(fmt, self.stream)
        self.logger.addHandler(self.handler)

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines()]

    def close(self) -> None:
        self.logger.removeHandler(self.handler)


@pytest.fixture
def as_json() -> Iterator[Capture]:
    capture = Capture("json")
    yield capture
    capture.close()


@pytest.fixture
def as_text() -> Iterator[Capture]:
    capture = Capture("text")
    yield capture
    capture.close()


def test_json_lines_parse_and_carry_the_basics(as_json: Capture) -> None:
    as_json.logger.info("hello %s", "Anna")
    as_json.logger.warning("multi\nline «ünïcode»")
    first, second = as_json.records()
    assert set(first) == {"ts", "level", "logger", "message"}
    assert first["level"] == "INFO" and first["logger"] == "parley.test.json"
    assert first["message"] == "hello Anna"
    ts = datetime.fromisoformat(first["ts"])
    assert first["ts"].endswith("Z") and ts.utcoffset() == timedelta(0)
    assert second["message"] == "multi\nline «ünïcode»" and len(as_json.lines()) == 2


def test_context_fields_from_extra_and_from_log_context(as_json: Capture) -> None:
    as_json.logger.info("explicit", extra={"chat_id": 5550001, "update_id": 7})
    with log_context(update_id=10, chat_id=5550001):
        as_json.logger.info("in update")
        add_log_context(conversation_id=3)
        with log_context(update_id=11, conversation_id=None):
            as_json.logger.info("nested")
        as_json.logger.info("explicit wins", extra={"chat_id": 42})
    as_json.logger.info("after")
    explicit, in_update, nested, wins, after = as_json.records()
    assert (explicit["chat_id"], explicit["update_id"]) == (5550001, 7)
    assert "conversation_id" not in explicit
    assert (in_update["update_id"], in_update["chat_id"]) == (10, 5550001)
    assert "conversation_id" not in in_update
    assert (nested["update_id"], nested["chat_id"], nested["conversation_id"]) == (11, 5550001, 3)
    assert (wins["chat_id"], wins["update_id"], wins["conversation_id"]) == (42, 10, 3)
    assert not {"update_id", "chat_id", "conversation_id"} & set(after)
    assert current_log_context() == {}


def test_log_context_rejects_unknown_fields() -> None:
    with pytest.raises(TypeError, match="bot_token"), log_context(bot_token=1):
        pass


async def test_concurrent_updates_keep_their_own_context(as_json: Capture) -> None:
    both = asyncio.Barrier(2)

    async def handle(update_id: int, chat_id: int) -> None:
        with log_context(update_id=update_id, chat_id=chat_id):
            await both.wait()  # both contexts are set before either logs
            as_json.logger.info("handling %s", update_id)

    await asyncio.gather(handle(1, 100), handle(2, 200))
    seen = {r["update_id"]: r["chat_id"] for r in as_json.records()}
    assert seen == {1: 100, 2: 200}


def test_exceptions_are_included(as_json: Capture) -> None:
    with log_context(chat_id=5):
        try:
            raise ValueError("boom")
        except ValueError:
            as_json.logger.exception("failed")
    (record,) = as_json.records()
    assert record["level"] == "ERROR" and record["message"] == "failed"
    assert record["exc"].startswith("Traceback") and "ValueError: boom" in record["exc"]
    assert record["chat_id"] == 5


def test_bot_tokens_are_masked(as_json: Capture, as_text: Capture) -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/getMe"
    for capture in (as_json, as_text):
        try:
            raise OSError(f"cannot reach {url}")
        except OSError:
            capture.logger.exception("request to %s failed", url)
    assert TOKEN not in as_json.stream.getvalue() and TOKEN not in as_text.stream.getvalue()
    assert "/bot<bot-token>/getMe" in as_json.records()[0]["message"]


def test_text_format_is_unchanged(as_text: Capture) -> None:
    with log_context(update_id=1, chat_id=2):
        as_text.logger.info("hello %s", "Anna")
    (line,) = as_text.lines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO parley\.test\.text: hello Anna", line
    ), line


@contextmanager
def _bare_root() -> Iterator[logging.Logger]:
    """The root logger without handlers (pytest adds its own for each test phase)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers = []
    try:
        yield root
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers, root.level = saved[0], saved[1]


def test_configure_logging_sets_up_the_root_logger() -> None:
    stream = io.StringIO()
    with _bare_root() as root:
        configure_logging("warning", "json", stream)
        assert root.level == logging.WARNING
        with log_context(conversation_id=9):
            logging.getLogger("parley.anything").warning("careful")
        logging.getLogger("parley.anything").info("not shown")
    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["conversation_id"] == 9
    with pytest.raises(ValueError, match="text or json"):
        make_handler("xml")


def test_log_format_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("PARLEY_LOG_FORMAT", raising=False)
    assert load_settings().log_format == "text"
    monkeypatch.setenv("PARLEY_LOG_FORMAT", " JSON ")
    assert load_settings().log_format == "json"
    monkeypatch.setenv("PARLEY_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match=r"^PARLEY_LOG_FORMAT: .*text or json"):
        load_settings()
