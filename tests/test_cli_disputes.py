"""``parley dispute …`` and ``parley stats`` on a real SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import ORDER_ID, ORDERS_CSV, SECRET


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("PARLEY_BOT_TOKEN", "PARLEY_INTENTS_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PARLEY_SELLER_CHAT_IDS", "7000001")
    monkeypatch.setenv("PARLEY_DATABASE", str(tmp_path / "cli.sqlite3"))
    monkeypatch.setenv("PARLEY_LINK_SECRET", SECRET)
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "parley.toml"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.csv").write_text(ORDERS_CSV)
    assert main(["orders", "import", "orders.csv"]) == 0
    return tmp_path


def test_dispute_lifecycle_from_the_shell(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    twenty_days_ago = (datetime.now(UTC) - timedelta(days=20)).date().isoformat()
    args = ["dispute", "open", ORDER_ID, "--at", twenty_days_ago, "--amount", "29.90",
            "--reason", "never arrived"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"dispute 1 on order {ORDER_ID}: recorded" in out
    assert "Claim: US$29.90 — never arrived" in out and "<b>" not in out
    assert main(args) == 0
    assert "already open" in capsys.readouterr().out
    assert main(["dispute", "offer", ORDER_ID, "8", "--note", "partial refund"]) == 0
    assert "offer #1 recorded: partial_refund US$8.00" in capsys.readouterr().out
    assert main(["dispute", "answer", ORDER_ID, "counter", "--amount", "15"]) == 0
    assert main(["dispute", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Open disputes (1)" in listing and "negotiating" in listing
    assert main(["dispute", "show", ORDER_ID]) == 0
    assert "Best offer so far: partial refund US$8.00" in capsys.readouterr().out
    assert main(["dispute", "remind"]) == 0
    assert "1 reminder(s) queued" in capsys.readouterr().out  # day 20: only the escalation
    assert main(["dispute", "show", ORDER_ID]) == 0
    assert "escalated" in capsys.readouterr().out
    assert main(["dispute", "export", ORDER_ID, "--format", "html", "-o", "evidence.html"]) == 0
    assert "wrote the evidence summary" in capsys.readouterr().out
    page = (env / "evidence.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "never arrived" in page
    assert main(["dispute", "export", ORDER_ID, "--format", "md"]) == 0
    assert capsys.readouterr().out.startswith("# Evidence summary")


def test_dispute_errors_are_one_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dispute", "open", "nope"]) == 2
    assert "order nope is not imported" in capsys.readouterr().err
    assert main(["dispute", "export", ORDER_ID]) == 2
    assert "no dispute recorded" in capsys.readouterr().err
    assert main(["dispute", "open", ORDER_ID, "--at", "someday"]) == 2
    assert "--at 'someday'" in capsys.readouterr().err
    assert main(["dispute", "show", ORDER_ID]) == 1


def test_stats_text_and_json(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "Seller metrics" in out and "30 d" in out and "90 d" in out
    assert "Estimate from Parley's own data" in out
    assert main(["stats", "--days", "7", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [w["days"] for w in payload["windows"]] == [7]
    assert "adverse_rate" in payload["windows"][0] and "estimate" in payload["note"]
    assert len(payload["trend"]) == 90
