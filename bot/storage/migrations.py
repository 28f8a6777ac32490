"""Versioned schema. ``PRAGMA user_version`` records how many steps ran; add steps, never edit."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE orders (
        order_id TEXT PRIMARY KEY,
        buyer_name TEXT NOT NULL DEFAULT '',
        item_title TEXT NOT NULL DEFAULT '',
        sku TEXT NOT NULL DEFAULT '',
        quantity INTEGER NOT NULL,
        unit_price TEXT NOT NULL,
        currency TEXT NOT NULL,
        paid_at TEXT NOT NULL,
        status TEXT NOT NULL,
        carrier TEXT NOT NULL DEFAULT '',
        tracking_number TEXT NOT NULL DEFAULT '',
        shipped_at TEXT,
        promised_delivery_by TEXT,
        delivered_at TEXT,
        buyer_country TEXT NOT NULL DEFAULT '',
        buyer_language TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE catalog (
        sku TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        price TEXT NOT NULL,
        currency TEXT NOT NULL,
        promotion TEXT NOT NULL DEFAULT '',
        promotion_ends TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE chats (
        chat_id INTEGER PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('buyer', 'seller')),
        name TEXT NOT NULL DEFAULT '',
        username TEXT NOT NULL DEFAULT '',
        language_code TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE order_links (
        order_id TEXT PRIMARY KEY REFERENCES orders(order_id),
        chat_id INTEGER NOT NULL,
        linked_at TEXT NOT NULL
    );
    CREATE INDEX order_links_by_chat ON order_links(chat_id, linked_at);
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        order_id TEXT,
        status TEXT NOT NULL,
        intent TEXT NOT NULL DEFAULT 'none',
        language TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT
    );
    CREATE INDEX conversations_by_chat ON conversations(chat_id, status);
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER REFERENCES conversations(id),
        chat_id INTEGER NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        kind TEXT NOT NULL DEFAULT 'text',
        text TEXT NOT NULL DEFAULT '',
        intent TEXT,
        confidence REAL,
        answered INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        intent TEXT NOT NULL,
        confidence REAL NOT NULL,
        language TEXT NOT NULL,
        buyer_text TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        decided_at TEXT,
        decided_by TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX drafts_by_conversation ON drafts(conversation_id, status);
    CREATE TABLE draft_options (
        draft_id INTEGER NOT NULL REFERENCES drafts(id),
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        amount TEXT,
        currency TEXT,
        needs_action INTEGER NOT NULL,
        PRIMARY KEY (draft_id, idx)
    );
    CREATE TABLE choices (
        id INTEGER PRIMARY KEY,
        draft_id INTEGER NOT NULL UNIQUE REFERENCES drafts(id),
        option_idx INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        chosen_at TEXT NOT NULL,
        action_status TEXT NOT NULL CHECK (action_status IN ('none', 'pending', 'done')),
        done_at TEXT,
        done_by TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE seller_edits (
        chat_id INTEGER PRIMARY KEY,
        draft_id INTEGER NOT NULL REFERENCES drafts(id),
        text TEXT,
        started_at TEXT NOT NULL
    );
    CREATE TABLE inbox (
        id INTEGER PRIMARY KEY,
        update_id INTEGER NOT NULL,
        digest TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        received_at TEXT NOT NULL,
        handled_at TEXT,
        error TEXT
    );
    CREATE UNIQUE INDEX inbox_delivery ON inbox(update_id, digest);
    CREATE INDEX inbox_pending ON inbox(status, id);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        ref TEXT,
        edit INTEGER NOT NULL DEFAULT 0,
        text TEXT NOT NULL,
        buttons TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        tg_message_id INTEGER,
        error TEXT,
        not_before TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX outbox_pending ON outbox(status, id);
    CREATE INDEX outbox_by_ref ON outbox(chat_id, ref);
    """,
    # 2: seller console — option toggles, take-over, first-response reminders, size charts.
    """
    ALTER TABLE draft_options ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE draft_options ADD COLUMN days INTEGER;
    ALTER TABLE conversations ADD COLUMN taken_over_by INTEGER;
    ALTER TABLE conversations ADD COLUMN waiting_since TEXT;
    ALTER TABLE conversations ADD COLUMN reminded_at TEXT;
    ALTER TABLE catalog ADD COLUMN size_chart TEXT NOT NULL DEFAULT '';
    ALTER TABLE outbox ADD COLUMN copy_from TEXT;
    CREATE INDEX conversations_waiting ON conversations(status, waiting_since);
    """,
    # 3: disputes (timeline, offers, answers, reminders), metric alerts, photos in the outbox.
    """
    CREATE TABLE disputes (
        id INTEGER PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES orders(order_id),
        state TEXT NOT NULL,
        source TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        amount TEXT,
        currency TEXT,
        reason TEXT NOT NULL DEFAULT '',
        conversation_id INTEGER REFERENCES conversations(id),
        responded_at TEXT,
        agreed_at TEXT,
        escalated_at TEXT,
        finished_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX disputes_one_active ON disputes(order_id) WHERE finished_at IS NULL;
    CREATE INDEX disputes_by_opened ON disputes(opened_at);
    CREATE TABLE dispute_events (
        id INTEGER PRIMARY KEY,
        dispute_id INTEGER NOT NULL REFERENCES disputes(id),
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        cause TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX dispute_events_by_dispute ON dispute_events(dispute_id, id);
    CREATE TABLE dispute_offers (
        id INTEGER PRIMARY KEY,
        dispute_id INTEGER NOT NULL REFERENCES disputes(id),
        at TEXT NOT NULL,
        party TEXT NOT NULL CHECK (party IN ('seller', 'buyer')),
        kind TEXT NOT NULL,
        amount TEXT,
        currency TEXT,
        note TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected'))
    );
    CREATE INDEX dispute_offers_by_dispute ON dispute_offers(dispute_id, id);
    CREATE TABLE dispute_answers (
        id INTEGER PRIMARY KEY,
        dispute_id INTEGER NOT NULL REFERENCES disputes(id),
        offer_id INTEGER REFERENCES dispute_offers(id),
        at TEXT NOT NULL,
        answer TEXT NOT NULL CHECK (answer IN ('accept', 'reject', 'counter')),
        text TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL
    );
    CREATE INDEX dispute_answers_by_dispute ON dispute_answers(dispute_id, id);
    CREATE TABLE dispute_reminders (
        id INTEGER PRIMARY KEY,
        dispute_id INTEGER NOT NULL REFERENCES disputes(id),
        edge TEXT NOT NULL,
        due_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'skipped')),
        done_at TEXT,
        note TEXT NOT NULL DEFAULT '',
        UNIQUE (dispute_id, edge)
    );
    CREATE INDEX dispute_reminders_due ON dispute_reminders(status, due_at);
    CREATE TABLE metric_alerts (
        name TEXT PRIMARY KEY,
        above INTEGER NOT NULL,
        value REAL,
        changed_at TEXT NOT NULL
    );
    CREATE INDEX messages_by_created ON messages(created_at);
    ALTER TABLE outbox ADD COLUMN photo BLOB;
    """,
    # 4: proactive follow-ups — order events (idempotent by event id), one follow-up row per
    # (order, rule) with an index for the due-work lookup, buyers who blocked the bot.
    """
    CREATE TABLE order_events (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        order_id TEXT NOT NULL,
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}',
        source TEXT NOT NULL,
        received_at TEXT NOT NULL
    );
    CREATE INDEX order_events_by_order ON order_events(order_id, at);
    CREATE TABLE followups (
        id INTEGER PRIMARY KEY,
        order_id TEXT NOT NULL,
        rule TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed')),
        due_at TEXT,
        reason TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        chat_id INTEGER,
        tg_message_id INTEGER,
        planned_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        done_at TEXT,
        UNIQUE (order_id, rule)
    );
    CREATE INDEX followups_due ON followups(status, due_at);
    CREATE TABLE unreachable_chats (
        chat_id INTEGER PRIMARY KEY,
        since TEXT NOT NULL,
        reason TEXT NOT NULL
    );
    """,
    # 5: the outbox drains per chat (queue lookup by chat) and prunes finished rows.
    """
    CREATE INDEX outbox_chat_queue ON outbox(status, chat_id, id);
    CREATE INDEX outbox_finished ON outbox(status, sent_at);
    """,
    # 6: examples the seller taught (Topic button, `parley intents teach`); never deleted, so
    # (max id, number forgotten) is a revision every worker can poll.
    """
    CREATE TABLE learned_examples (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        text TEXT NOT NULL,
        intent TEXT NOT NULL,
        language TEXT NOT NULL,
        taught_by TEXT NOT NULL DEFAULT '',
        taught_at TEXT NOT NULL,
        forgotten_at TEXT
    );
    CREATE INDEX learned_examples_forgotten ON learned_examples(forgotten_at);
    """,
)
