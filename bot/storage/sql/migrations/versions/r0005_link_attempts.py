"""Second-fact linking (issue 14 item 2): ``link_attempts``, one row per (chat, order number
a buyer named) — when the chat was asked for the order's second fact, the wrong answers since
the last lock, the lock's end, the buyer's language and the message that named the order.
Schema v10. Nothing to convert: no such question was asked before.

Revision ID: r0005
Revises: r0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STAMP = sa.Text().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")  # ISO text


def upgrade() -> None:
    """Create ``link_attempts``."""
    op.create_table(
        "link_attempts",
        sa.Column("chat_id", ID, nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("pending_since", STAMP, nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", STAMP, nullable=True),
        sa.Column("language", sa.Text(), server_default="", nullable=False),
        sa.Column("request", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "order_id", name=op.f("pk_link_attempts")),
    )


def downgrade() -> None:
    """Drop it again."""
    op.drop_table("link_attempts")
