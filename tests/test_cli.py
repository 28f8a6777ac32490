"""The ``parley`` command line: imports, links, checks and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import ORDER_ID, ORDERS_CSV, ORDERS_HEADER, SECRET


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("PARLEY_BOT_TOKEN", "PARLEY_SELLER_CHAT_IDS", "PARLEY_INTENTS_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PARLEY_DATABASE", str(tmp_path / "cli.sqlite3"))
    monkeypatch.setenv("PARLEY_LINK_SECRET", SECRET)
    monkeypatch.setenv("PARLEY_BOT_USERNAME", "shoe_store_bot")
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "parley.toml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_import_then_link(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "orders.csv").write_text(ORDERS_CSV)
    assert main(["orders", "import", "orders.csv"]) == 0
    assert main(["orders", "import", "orders.csv"]) == 0  # re-import is safe
    assert "imported 2 orders" in capsys.readouterr().out
    assert main(["link", ORDER_ID, "--payload"]) == 0
    payload = capsys.readouterr().out.strip()
    assert main(["link", ORDER_ID]) == 0
    assert capsys.readouterr().out.strip() == f"https://t.me/shoe_store_bot?start={payload}"


def test_malformed_csv_names_the_line_and_imports_nothing(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = (
        "A1,Anna,,,1,9.99,USD,2026-04-29,paid,,,,,,,\nA2,Bob,,,1,9.99,USD,not-a-date,paid,,,,,,,\n"
    )
    (env / "orders.csv").write_text(ORDERS_HEADER + rows)
    assert main(["orders", "import", "orders.csv"]) == 2
    err = capsys.readouterr().err
    assert "orders.csv: nothing imported" in err
    assert "line 3: paid_at 'not-a-date' is not a date" in err
    assert main(["link", "A1"]) == 2  # the good first row was not imported either
    assert "order A1 is not imported" in capsys.readouterr().err


def test_missing_file_and_unknown_order(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "import", "nope.csv"]) == 2
    assert "nope.csv: nothing imported" in capsys.readouterr().err


def test_invalid_setting_is_one_clear_line(env: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("PARLEY_SELLER_CHAT_IDS", "12,abc")
    assert main(["check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("parley: PARLEY_SELLER_CHAT_IDS:")
    monkeypatch.setenv("PARLEY_SELLER_CHAT_IDS", "12")
    monkeypatch.setenv("PARLEY_LINK_SECRET", "short")
    assert main(["link", ORDER_ID]) == 2
    assert "PARLEY_LINK_SECRET" in capsys.readouterr().err


def test_settings_from_parley_toml(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (env / "parley.toml").write_text(
        'seller_chat_ids = [1, 2]\ndefault_language = "fr"\n[policy]\ncoupon_bonus_percent = 5\n'
    )
    from bot.settings import load_settings

    settings = load_settings()
    assert settings.seller_chat_ids == [1, 2] and settings.default_language == "fr"
    assert str(settings.policy.coupon_bonus_percent) == "5"


def test_broken_intent_file_stops_check(env: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    intents = env / "intents"
    intents.mkdir()
    (intents / "greeting.toml").write_text('intent = "greeting"\n[examples]\nen = [\n')
    monkeypatch.setenv("PARLEY_INTENTS_DIR", str(intents))
    assert main(["check"]) == 2
    assert "greeting.toml" in capsys.readouterr().err


def test_check_passes_on_shipped_content(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert capsys.readouterr().out.startswith("ok: 20 intents")


def test_garbage_csv_is_line_n_reasons_and_no_traceback(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = (
        "A1,Anna,,,1,9.99,USD,0001-01-01T00:00:00+08:00,paid,,,,,,,\n"
        f"A2,{'B' * 1_000_000},,,1,9.99,USD,2026-04-29,paid,,,,,,,\n"
        f"A3,Cleo,,,{2**63},1e308,USD,9999-12-31,paid,,,,,,,\n"
    )
    (env / "orders.csv").write_text(ORDERS_HEADER + rows)
    assert main(["orders", "import", "orders.csv"]) == 2
    err = capsys.readouterr().err
    assert "orders.csv: nothing imported" in err and "Traceback" not in err
    assert "line 2: paid_at '0001-01-01T00:00:00+08:00' must be between 1970-01-01" in err
    assert "line 3: buyer_name: too long (at most 200 characters)" in err
    assert f"line 4: quantity '{2**63}' must be a whole number" in err
    assert len(err) < 2000  # the megabyte is not echoed back
    (env / "catalog.csv").write_text("sku,price,currency\nS1,29.999,USD\n")
    assert main(["catalog", "import", "catalog.csv"]) == 2
    assert "line 2: price '29.999' has more than 2 decimals" in capsys.readouterr().err
    assert main(["link", "A1"]) == 2  # nothing was imported
