"""``parley demo`` and ``parley chat`` as a newcomer runs them: real processes, no network."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.fleet import parley


def test_demo_plays_the_source_case() -> None:
    done = subprocess.run(
        [*parley(), "demo"], capture_output=True, text=True, timeout=120, check=True
    )
    out = done.stdout
    for step in ("price_drop", "May Day Labor Day sale", "Refund US$8.00 for order",
                 "refunded the price difference of US$8.00", "Case resolved"):  # fmt: skip
        assert step in out, step


def test_chat_console_takes_typed_lines(tmp_path: Path) -> None:
    script = "the price dropped after I ordered\nst Send\nbt Coupon\nst Done\nst Nope\nquit\n"
    done = subprocess.run(
        [*parley(), "chat", "--database", str(tmp_path / "chat.sqlite3")],
        input=script, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    out = done.stdout
    assert "Coupon worth US$9.00" in out
    assert "Issue a coupon worth US$9.00" in out
    assert "Your coupon worth US$9.00 has been issued" in out
    assert "! no button 'Nope'" in out
