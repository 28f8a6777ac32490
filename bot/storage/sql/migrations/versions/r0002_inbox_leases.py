"""Inbox leases for several workers: the chat an update comes from (``chat_id``, so one chat's
updates are handled one at a time, oldest first, across workers) and the worker that claimed a
pending update until when (``claimed_by``, ``lease_until``: another worker takes the update
over once the lease has expired). Rows stored before this revision have no chat (each is its
own queue) and no claim.

Revision ID: r0002
Revises: r0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STAMP = sa.Text().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")  # ISO text


def upgrade() -> None:
    """Add the chat and the lease to the inbox, and an index for the oldest update of a chat."""
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("chat_id", ID, nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.Text(), nullable=True))
        batch.add_column(sa.Column("lease_until", STAMP, nullable=True))
    op.create_index("inbox_chat_pending", "inbox", ["chat_id", "status", "id"], unique=False)


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("inbox_chat_pending", table_name="inbox")
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
        batch.drop_column("chat_id")
