"""Telegram Business: the connections as last reported (``business_connections``: the seller,
enabled, the reply right and the Bot API 9.0 rights as JSON) and the business chats
(``business_chats``: one row per (connection, Telegram chat id); the row's id gives the
internal chat id ``-2**53 - id`` that the services use, see :mod:`bot.domain.business`; the
buyer's last incoming message time for the 24-hour reply rule). Schema v9. Nothing to convert:
no business update was handled before.

Revision ID: r0004
Revises: r0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STAMP = sa.Text().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")  # ISO text


def upgrade() -> None:
    """Create ``business_connections`` and ``business_chats``."""
    op.create_table(
        "business_connections",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("user_chat_id", ID, nullable=False),
        sa.Column("is_enabled", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("can_reply", sa.Boolean(create_constraint=False), nullable=False),
        sa.Column("rights", sa.Text(), server_default="{}", nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_connections")),
    )
    op.create_table(
        "business_chats",
        sa.Column("id", ID, nullable=False),
        sa.Column("connection_id", sa.Text(), nullable=False),
        sa.Column("chat_id", ID, nullable=False),
        sa.Column("last_incoming_at", STAMP, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_chats")),
        sa.UniqueConstraint(
            "connection_id", "chat_id", name=op.f("uq_business_chats_connection_id_chat_id")
        ),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("business_chats")
    op.drop_table("business_connections")
