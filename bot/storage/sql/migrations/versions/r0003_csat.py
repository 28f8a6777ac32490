"""Buyer satisfaction: one question per resolved conversation (``csat``: when it is due or was
asked, the buyer's 1–5 rating and optional comment), and an index to find conversations
resolved lately (``conversations (status, closed_at)``). Schema v8. The job looks back three
days, so conversations resolved in the three days before the upgrade are asked too (once, as
any other); older ones never are.

Revision ID: r0003
Revises: r0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STAMP = sa.Text().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")  # ISO text


def upgrade() -> None:
    """Create the ``csat`` table and its indexes, and the index of closed conversations."""
    op.create_table(
        "csat",
        sa.Column("id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("chat_id", ID, nullable=False),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("resolved_at", STAMP, nullable=False),
        sa.Column("due_at", STAMP, nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("asked_at", STAMP, nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("answered_at", STAMP, nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("commented_at", STAMP, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'asked', 'skipped')", name=op.f("ck_csat_status")
        ),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name=op.f("ck_csat_rating")),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_csat_conversation_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_csat_conversation_id")),
    )
    op.create_index("csat_due", "csat", ["status", "due_at"], unique=False)
    op.create_index("csat_by_chat", "csat", ["chat_id", "answered_at"], unique=False)
    op.create_index("csat_by_asked", "csat", ["asked_at"], unique=False)
    op.create_index("conversations_closed", "conversations", ["status", "closed_at"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("conversations_closed", table_name="conversations")
    op.drop_index("csat_by_asked", table_name="csat")
    op.drop_index("csat_by_chat", table_name="csat")
    op.drop_index("csat_due", table_name="csat")
    op.drop_table("csat")
