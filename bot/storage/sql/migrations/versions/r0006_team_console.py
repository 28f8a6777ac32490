"""Team console (issue 14 item 3): ``seller_topics`` — one forum topic per buyer chat in the
team group, its serial id giving the internal chat id services send to (see
:mod:`bot.domain.team`); conversations get an assignee and the time a waiting conversation was
escalated to the whole team; outbox rows may close or reopen a topic (``action``).
Schema v11. Nothing to convert: no conversation was assigned and no topic made before.

Revision ID: r0006
Revises: r0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0006"
down_revision = "r0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STAMP = sa.Text().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")  # ISO text


def upgrade() -> None:
    """Create ``seller_topics``; add the assignee and escalation columns and ``outbox.action``."""
    op.create_table(
        "seller_topics",
        sa.Column("id", ID, nullable=False),
        sa.Column("group_id", ID, nullable=False),
        sa.Column("buyer_chat_id", ID, nullable=False),
        sa.Column("thread_id", ID, nullable=True),
        sa.Column(
            "closed", sa.Boolean(create_constraint=False), server_default=sa.false(), nullable=False
        ),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_topics")),
        sa.UniqueConstraint(
            "group_id", "buyer_chat_id", name=op.f("uq_seller_topics_group_id_buyer_chat_id")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("seller_topics_by_thread", "seller_topics", ["group_id", "thread_id"])
    op.add_column("conversations", sa.Column("assignee_id", ID, nullable=True))
    op.add_column("conversations", sa.Column("assignee_name", sa.Text(), nullable=True))
    op.add_column("conversations", sa.Column("escalated_at", STAMP, nullable=True))
    op.add_column("outbox", sa.Column("action", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("action")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("escalated_at")
        batch.drop_column("assignee_name")
        batch.drop_column("assignee_id")
    op.drop_index("seller_topics_by_thread", table_name="seller_topics")
    op.drop_table("seller_topics")
