"""Baseline: schema v6 of the aiosqlite storage (``bot.storage.migrations``, six steps).

A SQLite file that storage made (``PRAGMA user_version`` 6) already has this schema and is
*stamped* with this revision instead of running it (see :mod:`bot.storage.sql.schema`). The types
are spelled out here (not imported from ``bot.storage.sql``) so this script stays what it was.

Revision ID: r0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # the rowid on SQLite
STAMP = sa.Text().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")  # ISO text


def upgrade() -> None:
    """Create every table and index of schema v6."""
    op.create_table(
        "catalog",
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("price", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("promotion", sa.Text(), server_default="", nullable=False),
        sa.Column("promotion_ends", STAMP, nullable=True),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.Column("size_chart", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_catalog")),
    )
    op.create_table(
        "chats",
        sa.Column("chat_id", ID, autoincrement=False, nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column("username", sa.Text(), server_default="", nullable=False),
        sa.Column("language_code", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.CheckConstraint("role IN ('buyer', 'seller')", name=op.f("ck_chats_role")),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chats")),
    )
    op.create_table(
        "conversations",
        sa.Column("id", ID, nullable=False),
        sa.Column("chat_id", ID, nullable=False),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("intent", sa.Text(), server_default="none", nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("opened_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.Column("closed_at", STAMP, nullable=True),
        sa.Column("taken_over_by", ID, nullable=True),
        sa.Column("waiting_since", STAMP, nullable=True),
        sa.Column("reminded_at", STAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_index("conversations_by_chat", "conversations", ["chat_id", "status"], unique=False)
    op.create_index(
        "conversations_waiting", "conversations", ["status", "waiting_since"], unique=False
    )
    op.create_table(
        "followups",
        sa.Column("id", ID, nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("due_at", STAMP, nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("chat_id", ID, nullable=True),
        sa.Column("tg_message_id", ID, nullable=True),
        sa.Column("planned_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.Column("done_at", STAMP, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'skipped', 'failed')",
            name=op.f("ck_followups_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("order_id", "rule", name=op.f("uq_followups_order_id_rule")),
    )
    op.create_index("followups_due", "followups", ["status", "due_at"], unique=False)
    op.create_table(
        "inbox",
        sa.Column("id", ID, nullable=False),
        sa.Column("update_id", ID, nullable=False),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("received_at", STAMP, nullable=False),
        sa.Column("handled_at", STAMP, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed')", name=op.f("ck_inbox_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
    )
    op.create_index("inbox_delivery", "inbox", ["update_id", "digest"], unique=True)
    op.create_index("inbox_pending", "inbox", ["status", "id"], unique=False)
    op.create_table(
        "learned_examples",
        sa.Column("id", ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("taught_by", sa.Text(), server_default="", nullable=False),
        sa.Column("taught_at", STAMP, nullable=False),
        sa.Column("forgotten_at", STAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_examples")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "learned_examples_forgotten", "learned_examples", ["forgotten_at"], unique=False
    )
    op.create_table(
        "metric_alerts",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("above", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("changed_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_metric_alerts")),
    )
    op.create_table(
        "order_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("data", sa.Text(), server_default="{}", nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("received_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_order_events_event_id")),
    )
    op.create_index("order_events_by_order", "order_events", ["order_id", "at"], unique=False)
    op.create_table(
        "orders",
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("buyer_name", sa.Text(), server_default="", nullable=False),
        sa.Column("item_title", sa.Text(), server_default="", nullable=False),
        sa.Column("sku", sa.Text(), server_default="", nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("paid_at", STAMP, nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("carrier", sa.Text(), server_default="", nullable=False),
        sa.Column("tracking_number", sa.Text(), server_default="", nullable=False),
        sa.Column("shipped_at", STAMP, nullable=True),
        sa.Column("promised_delivery_by", STAMP, nullable=True),
        sa.Column("delivered_at", STAMP, nullable=True),
        sa.Column("buyer_country", sa.Text(), server_default="", nullable=False),
        sa.Column("buyer_language", sa.Text(), server_default="", nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_orders")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", ID, nullable=False),
        sa.Column("chat_id", ID, nullable=False),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.Column("edit", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.Text(), server_default="[]", nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("tg_message_id", ID, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("not_before", STAMP, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("sent_at", STAMP, nullable=True),
        sa.Column("copy_from", sa.Text(), nullable=True),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_outbox_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("outbox_by_ref", "outbox", ["chat_id", "ref"], unique=False)
    op.create_index("outbox_chat_queue", "outbox", ["status", "chat_id", "id"], unique=False)
    op.create_index("outbox_finished", "outbox", ["status", "sent_at"], unique=False)
    op.create_index("outbox_pending", "outbox", ["status", "id"], unique=False)
    op.create_table(
        "unreachable_chats",
        sa.Column("chat_id", ID, autoincrement=False, nullable=False),
        sa.Column("since", STAMP, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_unreachable_chats")),
    )
    op.create_table(
        "disputes",
        sa.Column("id", ID, nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("opened_at", STAMP, nullable=False),
        sa.Column("amount", sa.Text(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("responded_at", STAMP, nullable=True),
        sa.Column("agreed_at", STAMP, nullable=True),
        sa.Column("escalated_at", STAMP, nullable=True),
        sa.Column("finished_at", STAMP, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_disputes_conversation_id")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("fk_disputes_order_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    op.create_index("disputes_by_opened", "disputes", ["opened_at"], unique=False)
    op.create_index(
        "disputes_one_active",
        "disputes",
        ["order_id"],
        unique=True,
        sqlite_where=sa.text("finished_at IS NULL"),
        postgresql_where=sa.text("finished_at IS NULL"),
    )
    op.create_table(
        "drafts",
        sa.Column("id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("intent", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("buyer_text", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("decided_at", STAMP, nullable=True),
        sa.Column("decided_by", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_drafts_conversation_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
    )
    op.create_index("drafts_by_conversation", "drafts", ["conversation_id", "status"], unique=False)
    op.create_table(
        "messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("chat_id", ID, nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), server_default="text", nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("intent", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("answered", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_messages_direction")),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_messages_conversation_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index("messages_by_conversation", "messages", ["conversation_id", "id"], unique=False)
    op.create_index("messages_by_created", "messages", ["created_at"], unique=False)
    op.create_table(
        "order_links",
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("chat_id", ID, nullable=False),
        sa.Column("linked_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("fk_order_links_order_id")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_links")),
    )
    op.create_index("order_links_by_chat", "order_links", ["chat_id", "linked_at"], unique=False)
    op.create_table(
        "choices",
        sa.Column("id", ID, nullable=False),
        sa.Column("draft_id", ID, nullable=False),
        sa.Column("option_idx", sa.Integer(), nullable=False),
        sa.Column("chat_id", ID, nullable=False),
        sa.Column("chosen_at", STAMP, nullable=False),
        sa.Column("action_status", sa.Text(), nullable=False),
        sa.Column("done_at", STAMP, nullable=True),
        sa.Column("done_by", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "action_status IN ('none', 'pending', 'done')", name=op.f("ck_choices_action_status")
        ),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name=op.f("fk_choices_draft_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_choices")),
        sa.UniqueConstraint("draft_id", name=op.f("uq_choices_draft_id")),
    )
    op.create_table(
        "dispute_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("dispute_id", ID, nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("from_state", sa.Text(), nullable=True),
        sa.Column("to_state", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_events_dispute_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_events")),
    )
    op.create_index(
        "dispute_events_by_dispute", "dispute_events", ["dispute_id", "id"], unique=False
    )
    op.create_table(
        "dispute_offers",
        sa.Column("id", ID, nullable=False),
        sa.Column("dispute_id", ID, nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("party", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("amount", sa.Text(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.CheckConstraint("party IN ('seller', 'buyer')", name=op.f("ck_dispute_offers_party")),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'rejected')", name=op.f("ck_dispute_offers_status")
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_offers_dispute_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_offers")),
    )
    op.create_index(
        "dispute_offers_by_dispute", "dispute_offers", ["dispute_id", "id"], unique=False
    )
    op.create_table(
        "dispute_reminders",
        sa.Column("id", ID, nullable=False),
        sa.Column("dispute_id", ID, nullable=False),
        sa.Column("edge", sa.Text(), nullable=False),
        sa.Column("due_at", STAMP, nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("done_at", STAMP, nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'skipped')", name=op.f("ck_dispute_reminders_status")
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_reminders_dispute_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_reminders")),
        sa.UniqueConstraint(
            "dispute_id", "edge", name=op.f("uq_dispute_reminders_dispute_id_edge")
        ),
    )
    op.create_index(
        "dispute_reminders_due", "dispute_reminders", ["status", "due_at"], unique=False
    )
    op.create_table(
        "draft_options",
        sa.Column("draft_id", ID, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("amount", sa.Text(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("needs_action", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["drafts.id"], name=op.f("fk_draft_options_draft_id")
        ),
        sa.PrimaryKeyConstraint("draft_id", "idx", name=op.f("pk_draft_options")),
    )
    op.create_table(
        "seller_edits",
        sa.Column("chat_id", ID, autoincrement=False, nullable=False),
        sa.Column("draft_id", ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("started_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name=op.f("fk_seller_edits_draft_id")),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_seller_edits")),
    )
    op.create_table(
        "dispute_answers",
        sa.Column("id", ID, nullable=False),
        sa.Column("dispute_id", ID, nullable=False),
        sa.Column("offer_id", ID, nullable=True),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "answer IN ('accept', 'reject', 'counter')", name=op.f("ck_dispute_answers_answer")
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_answers_dispute_id")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["dispute_offers.id"], name=op.f("fk_dispute_answers_offer_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_answers")),
    )
    op.create_index(
        "dispute_answers_by_dispute", "dispute_answers", ["dispute_id", "id"], unique=False
    )


def downgrade() -> None:
    """Parley migrates forward only (restore a backup to go back)."""
    raise NotImplementedError
