"""Shell commands that need no Telegram get their services from the composition root
(:func:`bot.wiring.open_services`) without importing aiogram, aiohttp or APScheduler."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import CATALOG_CSV, ORDER_ID, ORDERS_CSV, SECRET

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = f"""
import sys
from bot.cli import main

for argv in (["orders", "import", "orders.csv"], ["catalog", "import", "catalog.csv"],
             ["dispute", "open", "{ORDER_ID}", "--amount", "12"], ["dispute", "list"],
             ["dispute", "export", "{ORDER_ID}", "-o", "evidence.html"], ["stats", "--json"],
             ["link", "{ORDER_ID}", "--payload"], ["classify", "where is my parcel"],
             ["check"], ["backup", "copy.sqlite3"]):
    assert main(argv) == 0, argv
print("heavy:", sorted({{m.split(".")[0] for m in sys.modules}}
                       & {{"aiogram", "aiohttp", "apscheduler"}}))
"""


def test_shell_commands_do_not_import_aiogram(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(ORDERS_CSV)
    (tmp_path / "catalog.csv").write_text(CATALOG_CSV)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(PARLEY_SELLER_CHAT_IDS="7000001", PARLEY_LINK_SECRET=SECRET,
               PARLEY_DATABASE=str(tmp_path / "cli.sqlite3"),
               PARLEY_CONFIG=str(tmp_path / "parley.toml"), PYTHONPATH=str(ROOT))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "heavy: []" in done.stdout.splitlines()[-1], done.stdout
