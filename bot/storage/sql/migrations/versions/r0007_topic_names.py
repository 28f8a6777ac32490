"""Team console topic names: ``seller_topics.name`` — the name Telegram has for the topic, so a
topic is renamed when the buyer's latest order changes (one ``editForumTopic``, not one per
message). Schema v12. Topics made before have no name recorded: the next card renames them
once to the current name (Telegram answers ``TOPIC_NOT_MODIFIED`` when it already is).

Revision ID: r0007
Revises: r0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0007"
down_revision = "r0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``seller_topics.name``."""
    op.add_column("seller_topics", sa.Column("name", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("seller_topics") as batch:
        batch.drop_column("name")
