"""The schema as SQLAlchemy tables: schema v6 of :mod:`bot.storage.migrations`, column for
column (columns that migrations added come last, as in a file made by the aiosqlite storage).

Index and table names are the ones those migrations created, so a stamped existing file and a
database made by the Alembic baseline have the same shape. Money amounts stay the exact
decimal text (trailing zeros kept), JSON stays text (the stored bytes round-trip exactly);
flags are BOOLEAN (0/1 on SQLite, as before), times :class:`~bot.storage.sql.types.Stamp`.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage.sql.types import ID, Stamp

metadata = sa.MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

T = sa.Text


def _text(name: str) -> sa.Column[str]:
    return sa.Column(name, T, nullable=False, server_default="")


def _key() -> sa.Column[int]:
    return sa.Column("id", ID, primary_key=True)


def _one_of(column: str, *values: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=column)


def _flag(name: str, default: bool | None = None) -> sa.Column[bool]:
    server_default = None if default is None else (sa.true() if default else sa.false())
    return sa.Column(
        name, sa.Boolean(create_constraint=False), nullable=False, server_default=server_default
    )


orders = sa.Table(
    "orders",
    metadata,
    sa.Column("order_id", T, primary_key=True),
    _text("buyer_name"),
    _text("item_title"),
    _text("sku"),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", T, nullable=False),
    sa.Column("currency", T, nullable=False),
    sa.Column("paid_at", Stamp(), nullable=False),
    sa.Column("status", T, nullable=False),
    _text("carrier"),
    _text("tracking_number"),
    sa.Column("shipped_at", Stamp()),
    sa.Column("promised_delivery_by", Stamp()),
    sa.Column("delivered_at", Stamp()),
    _text("buyer_country"),
    _text("buyer_language"),
    sa.Column("updated_at", Stamp(), nullable=False),
)

catalog = sa.Table(
    "catalog",
    metadata,
    sa.Column("sku", T, primary_key=True),
    _text("title"),
    sa.Column("price", T, nullable=False),
    sa.Column("currency", T, nullable=False),
    _text("promotion"),
    sa.Column("promotion_ends", Stamp()),
    sa.Column("updated_at", Stamp(), nullable=False),
    _text("size_chart"),
)

chats = sa.Table(
    "chats",
    metadata,
    sa.Column("chat_id", ID, primary_key=True, autoincrement=False),
    sa.Column("role", T, nullable=False),
    _text("name"),
    _text("username"),
    _text("language_code"),
    sa.Column("created_at", Stamp(), nullable=False),
    sa.Column("updated_at", Stamp(), nullable=False),
    _one_of("role", "buyer", "seller"),
)

order_links = sa.Table(
    "order_links",
    metadata,
    sa.Column("order_id", T, sa.ForeignKey("orders.order_id"), primary_key=True),
    sa.Column("chat_id", ID, nullable=False),
    sa.Column("linked_at", Stamp(), nullable=False),
    sa.Index("order_links_by_chat", "chat_id", "linked_at"),
)

conversations = sa.Table(
    "conversations",
    metadata,
    _key(),
    sa.Column("chat_id", ID, nullable=False),
    sa.Column("order_id", T),
    sa.Column("status", T, nullable=False),
    sa.Column("intent", T, nullable=False, server_default="none"),
    sa.Column("language", T, nullable=False),
    sa.Column("opened_at", Stamp(), nullable=False),
    sa.Column("updated_at", Stamp(), nullable=False),
    sa.Column("closed_at", Stamp()),
    sa.Column("taken_over_by", ID),
    sa.Column("waiting_since", Stamp()),
    sa.Column("reminded_at", Stamp()),
    sa.Column("assignee_id", ID),  # revision r0006: team console
    sa.Column("assignee_name", T),
    sa.Column("escalated_at", Stamp()),
    sa.Index("conversations_by_chat", "chat_id", "status"),
    sa.Index("conversations_waiting", "status", "waiting_since"),
    sa.Index("conversations_closed", "status", "closed_at"),  # revision r0003
)

messages = sa.Table(
    "messages",
    metadata,
    _key(),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id")),
    sa.Column("chat_id", ID, nullable=False),
    sa.Column("direction", T, nullable=False),
    sa.Column("kind", T, nullable=False, server_default="text"),
    _text("text"),
    sa.Column("intent", T),
    sa.Column("confidence", sa.Float),
    _flag("answered", False),
    sa.Column("created_at", Stamp(), nullable=False),
    _one_of("direction", "in", "out"),
    sa.Index("messages_by_conversation", "conversation_id", "id"),
    sa.Index("messages_by_created", "created_at"),
)

drafts = sa.Table(
    "drafts",
    metadata,
    _key(),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("intent", T, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("language", T, nullable=False),
    sa.Column("buyer_text", T, nullable=False),
    sa.Column("text", T, nullable=False),
    sa.Column("status", T, nullable=False),
    sa.Column("created_at", Stamp(), nullable=False),
    sa.Column("decided_at", Stamp()),
    _text("decided_by"),
    sa.Index("drafts_by_conversation", "conversation_id", "status"),
)

draft_options = sa.Table(
    "draft_options",
    metadata,
    sa.Column("draft_id", ID, sa.ForeignKey("drafts.id"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", T, nullable=False),
    sa.Column("amount", T),
    sa.Column("currency", T),
    _flag("needs_action"),
    _flag("enabled", True),
    sa.Column("days", sa.Integer),
)

choices = sa.Table(
    "choices",
    metadata,
    _key(),
    sa.Column("draft_id", ID, sa.ForeignKey("drafts.id"), nullable=False, unique=True),
    sa.Column("option_idx", sa.Integer, nullable=False),
    sa.Column("chat_id", ID, nullable=False),
    sa.Column("chosen_at", Stamp(), nullable=False),
    sa.Column("action_status", T, nullable=False),
    sa.Column("done_at", Stamp()),
    _text("done_by"),
    _one_of("action_status", "none", "pending", "done"),
)

seller_edits = sa.Table(
    "seller_edits",
    metadata,
    sa.Column("chat_id", ID, primary_key=True, autoincrement=False),
    sa.Column("draft_id", ID, sa.ForeignKey("drafts.id"), nullable=False),
    sa.Column("text", T),
    sa.Column("started_at", Stamp(), nullable=False),
)

inbox = sa.Table(
    "inbox",
    metadata,
    _key(),
    sa.Column("update_id", ID, nullable=False),
    sa.Column("digest", T, nullable=False),
    sa.Column("payload", T, nullable=False),
    sa.Column("status", T, nullable=False),
    sa.Column("received_at", Stamp(), nullable=False),
    sa.Column("handled_at", Stamp()),
    sa.Column("error", T),
    sa.Column("chat_id", ID),  # revision r0002: the chat it comes from (None: unknown)
    sa.Column("claimed_by", T),  # the worker handling it, until lease_until
    sa.Column("lease_until", Stamp()),
    _one_of("status", "pending", "done", "failed"),
    sa.Index("inbox_delivery", "update_id", "digest", unique=True),
    sa.Index("inbox_pending", "status", "id"),
    sa.Index("inbox_chat_pending", "chat_id", "status", "id"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    _key(),
    sa.Column("chat_id", ID, nullable=False),
    sa.Column("ref", T),
    _flag("edit", False),
    sa.Column("text", T, nullable=False),
    sa.Column("buttons", T, nullable=False, server_default="[]"),
    sa.Column("status", T, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("tg_message_id", ID),
    sa.Column("error", T),
    sa.Column("not_before", Stamp()),
    sa.Column("created_at", Stamp(), nullable=False),
    sa.Column("sent_at", Stamp()),
    sa.Column("copy_from", T),
    sa.Column("photo", sa.LargeBinary),
    sa.Column("action", T),  # revision r0006: close or reopen a forum topic (bot.domain.team)
    _one_of("status", "pending", "sent", "failed"),
    sa.Index("outbox_pending", "status", "id"),
    sa.Index("outbox_by_ref", "chat_id", "ref"),
    sa.Index("outbox_chat_queue", "status", "chat_id", "id"),
    sa.Index("outbox_finished", "status", "sent_at"),
)

disputes = sa.Table(
    "disputes",
    metadata,
    _key(),
    sa.Column("order_id", T, sa.ForeignKey("orders.order_id"), nullable=False),
    sa.Column("state", T, nullable=False),
    sa.Column("source", T, nullable=False),
    sa.Column("opened_at", Stamp(), nullable=False),
    sa.Column("amount", T),
    sa.Column("currency", T),
    _text("reason"),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id")),
    sa.Column("responded_at", Stamp()),
    sa.Column("agreed_at", Stamp()),
    sa.Column("escalated_at", Stamp()),
    sa.Column("finished_at", Stamp()),
    sa.Column("created_at", Stamp(), nullable=False),
    sa.Column("updated_at", Stamp(), nullable=False),
    sa.Index(
        "disputes_one_active",
        "order_id",
        unique=True,
        sqlite_where=sa.text("finished_at IS NULL"),
        postgresql_where=sa.text("finished_at IS NULL"),
    ),
    sa.Index("disputes_by_opened", "opened_at"),
)

dispute_events = sa.Table(
    "dispute_events",
    metadata,
    _key(),
    sa.Column("dispute_id", ID, sa.ForeignKey("disputes.id"), nullable=False),
    sa.Column("at", Stamp(), nullable=False),
    sa.Column("event", T, nullable=False),
    sa.Column("from_state", T),
    sa.Column("to_state", T, nullable=False),
    sa.Column("cause", T, nullable=False),
    _text("note"),
    sa.Index("dispute_events_by_dispute", "dispute_id", "id"),
)

dispute_offers = sa.Table(
    "dispute_offers",
    metadata,
    _key(),
    sa.Column("dispute_id", ID, sa.ForeignKey("disputes.id"), nullable=False),
    sa.Column("at", Stamp(), nullable=False),
    sa.Column("party", T, nullable=False),
    sa.Column("kind", T, nullable=False),
    sa.Column("amount", T),
    sa.Column("currency", T),
    _text("note"),
    sa.Column("source", T, nullable=False),
    sa.Column("status", T, nullable=False),
    _one_of("party", "seller", "buyer"),
    _one_of("status", "open", "accepted", "rejected"),
    sa.Index("dispute_offers_by_dispute", "dispute_id", "id"),
)

dispute_answers = sa.Table(
    "dispute_answers",
    metadata,
    _key(),
    sa.Column("dispute_id", ID, sa.ForeignKey("disputes.id"), nullable=False),
    sa.Column("offer_id", ID, sa.ForeignKey("dispute_offers.id")),
    sa.Column("at", Stamp(), nullable=False),
    sa.Column("answer", T, nullable=False),
    _text("text"),
    sa.Column("source", T, nullable=False),
    _one_of("answer", "accept", "reject", "counter"),
    sa.Index("dispute_answers_by_dispute", "dispute_id", "id"),
)

dispute_reminders = sa.Table(
    "dispute_reminders",
    metadata,
    _key(),
    sa.Column("dispute_id", ID, sa.ForeignKey("disputes.id"), nullable=False),
    sa.Column("edge", T, nullable=False),
    sa.Column("due_at", Stamp(), nullable=False),
    sa.Column("status", T, nullable=False),
    sa.Column("done_at", Stamp()),
    _text("note"),
    _one_of("status", "pending", "sent", "skipped"),
    sa.UniqueConstraint("dispute_id", "edge"),
    sa.Index("dispute_reminders_due", "status", "due_at"),
)

metric_alerts = sa.Table(
    "metric_alerts",
    metadata,
    sa.Column("name", T, primary_key=True),
    _flag("above"),
    sa.Column("value", sa.Float),
    sa.Column("changed_at", Stamp(), nullable=False),
)

order_events = sa.Table(
    "order_events",
    metadata,
    _key(),
    sa.Column("event_id", T, nullable=False, unique=True),
    sa.Column("order_id", T, nullable=False),
    sa.Column("type", T, nullable=False),
    sa.Column("at", Stamp(fixed=True), nullable=False),
    sa.Column("data", T, nullable=False, server_default="{}"),
    sa.Column("source", T, nullable=False),
    sa.Column("received_at", Stamp(fixed=True), nullable=False),
    sa.Index("order_events_by_order", "order_id", "at"),
)

followups = sa.Table(
    "followups",
    metadata,
    _key(),
    sa.Column("order_id", T, nullable=False),
    sa.Column("rule", T, nullable=False),
    sa.Column("status", T, nullable=False),
    sa.Column("due_at", Stamp(fixed=True)),
    _text("reason"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("chat_id", ID),
    sa.Column("tg_message_id", ID),
    sa.Column("planned_at", Stamp(fixed=True), nullable=False),
    sa.Column("updated_at", Stamp(fixed=True), nullable=False),
    sa.Column("done_at", Stamp(fixed=True)),
    _one_of("status", "pending", "sending", "sent", "skipped", "failed"),
    sa.UniqueConstraint("order_id", "rule"),
    sa.Index("followups_due", "status", "due_at"),
)

unreachable_chats = sa.Table(
    "unreachable_chats",
    metadata,
    sa.Column("chat_id", ID, primary_key=True, autoincrement=False),
    sa.Column("since", Stamp(fixed=True), nullable=False),
    sa.Column("reason", T, nullable=False),
)

learned_examples = sa.Table(
    "learned_examples",
    metadata,
    _key(),
    sa.Column("text", T, nullable=False),
    sa.Column("intent", T, nullable=False),
    sa.Column("language", T, nullable=False),
    _text("taught_by"),
    sa.Column("taught_at", Stamp(), nullable=False),
    sa.Column("forgotten_at", Stamp()),
    sa.Index("learned_examples_forgotten", "forgotten_at"),
    sqlite_autoincrement=True,  # ids are never reused: (max id, forgotten) is a revision
)

csat = sa.Table(  # revision r0003: one buyer-satisfaction question per resolved conversation
    "csat",
    metadata,
    _key(),
    sa.Column(
        "conversation_id", ID, sa.ForeignKey("conversations.id"), nullable=False, unique=True
    ),
    sa.Column("chat_id", ID, nullable=False),
    sa.Column("order_id", T),
    sa.Column("language", T, nullable=False),
    sa.Column("status", T, nullable=False),
    sa.Column("resolved_at", Stamp(fixed=True), nullable=False),
    sa.Column("due_at", Stamp(fixed=True)),
    _text("reason"),
    sa.Column("asked_at", Stamp(fixed=True)),
    sa.Column("rating", sa.Integer),
    sa.Column("answered_at", Stamp(fixed=True)),
    sa.Column("comment", T),
    sa.Column("commented_at", Stamp(fixed=True)),
    sa.Column("created_at", Stamp(fixed=True), nullable=False),
    sa.Column("updated_at", Stamp(fixed=True), nullable=False),
    _one_of("status", "pending", "asked", "skipped"),
    sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
    sa.Index("csat_due", "status", "due_at"),
    sa.Index("csat_by_chat", "chat_id", "answered_at"),
    sa.Index("csat_by_asked", "asked_at"),
)

business_connections = sa.Table(  # revision r0004: Telegram Business connections, as last reported
    "business_connections",
    metadata,
    sa.Column("id", T, primary_key=True),
    sa.Column("user_id", ID, nullable=False),
    sa.Column("user_chat_id", ID, nullable=False),
    _flag("is_enabled"),
    _flag("can_reply"),
    sa.Column("rights", T, nullable=False, server_default="{}"),  # BusinessBotRights as JSON
    sa.Column("updated_at", Stamp(), nullable=False),
)

business_chats = sa.Table(  # revision r0004: (connection, chat) -> internal chat id -2**53 - id
    "business_chats",
    metadata,
    _key(),
    sa.Column("connection_id", T, nullable=False),
    sa.Column("chat_id", ID, nullable=False),
    sa.Column("last_incoming_at", Stamp()),
    sa.Column("created_at", Stamp(), nullable=False),
    sa.UniqueConstraint("connection_id", "chat_id"),
    sqlite_autoincrement=True,  # an internal chat id is never given to another chat
)

link_attempts = sa.Table(  # revision r0005: second-fact linking, one row per (chat, order)
    "link_attempts",
    metadata,
    sa.Column("chat_id", ID, primary_key=True),
    sa.Column("order_id", T, primary_key=True),  # as the buyer wrote it: maybe no such order
    sa.Column("pending_since", Stamp()),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", Stamp()),
    _text("language"),
    _text("request"),
)

seller_topics = sa.Table(  # revision r0006: a buyer chat's topic -> internal chat id -2**52 - id
    "seller_topics",
    metadata,
    _key(),
    sa.Column("group_id", ID, nullable=False),
    sa.Column("buyer_chat_id", ID, nullable=False),
    sa.Column("thread_id", ID),  # None until Telegram created the forum topic
    sa.Column("name", T),  # revision r0007: what Telegram calls the topic (None: not known)
    _flag("closed", False),
    sa.Column("created_at", Stamp(), nullable=False),
    sa.Column("updated_at", Stamp(), nullable=False),
    sa.UniqueConstraint("group_id", "buyer_chat_id"),
    sa.Index("seller_topics_by_thread", "group_id", "thread_id"),
    sqlite_autoincrement=True,  # an internal chat id is never given to another topic
)
