"""Disputes in the domain: pure functions of the dispute clock, taking time as an argument.

- :mod:`.state` — the state machine (states, events, allowed steps);
- :mod:`.records` — what is stored: disputes, their log, offers, answers, reminder rows;
- :mod:`.timeline` — the rules and deadlines (day numbers, window, escalation, protection);
- :mod:`.reminders` — the reminder edges and what a due reminder does;
- :mod:`.offers` — the best offer, offer kinds and the steps offers and answers imply;
- :mod:`.command` — the seller's ``/dispute`` words parsed into requests;
- :mod:`.buttons` — the callback data of the dispute buttons.

Every public name is re-exported here, so ``from bot.domain.disputes import …`` keeps working.
"""

from bot.domain.disputes.buttons import (
    OPEN_PREFIX,
    STEP_PREFIX,
    Press,
    decode_press,
    dispute_press,
    open_data,
    step_data,
)
from bot.domain.disputes.command import (
    AnswerRequest,
    BadCommand,
    DisputeCommand,
    OfferRequest,
    OpenRequest,
    parse_amount,
    parse_answer,
    parse_command,
    parse_date,
    parse_offer,
    parse_open,
)
from bot.domain.disputes.offers import (
    best_offer,
    events_after_answer,
    events_after_offer,
    is_return,
    offer_kind,
)
from bot.domain.disputes.records import (
    Answer,
    AnswerKind,
    ChoiceRecord,
    Dispute,
    DisputeLogEntry,
    Offer,
    OfferStatus,
    Party,
    StoredReminder,
    TranscriptLine,
)
from bot.domain.disputes.reminders import (
    EdgeKind,
    Reminder,
    ReminderAction,
    closing_edge,
    due_reminders,
    edge_kind,
    plan_reminders,
    reminder_action,
    return_reminder,
)
from bot.domain.disputes.state import (
    TRANSITIONS,
    DisputeEvent,
    DisputeState,
    allowed_events,
    transition,
)
from bot.domain.disputes.timeline import (
    DAY,
    Deadline,
    DisputeRules,
    Timeline,
    day_number,
    in_window,
    next_deadline,
    protection_ends,
    return_deadline,
    time_left,
    timeline,
)

__all__ = [
    "DAY",
    "OPEN_PREFIX",
    "STEP_PREFIX",
    "TRANSITIONS",
    "Answer",
    "AnswerKind",
    "AnswerRequest",
    "BadCommand",
    "ChoiceRecord",
    "Deadline",
    "Dispute",
    "DisputeCommand",
    "DisputeEvent",
    "DisputeLogEntry",
    "DisputeRules",
    "DisputeState",
    "EdgeKind",
    "Offer",
    "OfferRequest",
    "OfferStatus",
    "OpenRequest",
    "Party",
    "Press",
    "Reminder",
    "ReminderAction",
    "StoredReminder",
    "Timeline",
    "TranscriptLine",
    "allowed_events",
    "best_offer",
    "closing_edge",
    "day_number",
    "decode_press",
    "dispute_press",
    "due_reminders",
    "edge_kind",
    "events_after_answer",
    "events_after_offer",
    "in_window",
    "is_return",
    "next_deadline",
    "offer_kind",
    "open_data",
    "parse_amount",
    "parse_answer",
    "parse_command",
    "parse_date",
    "parse_offer",
    "parse_open",
    "plan_reminders",
    "protection_ends",
    "reminder_action",
    "return_deadline",
    "return_reminder",
    "step_data",
    "time_left",
    "timeline",
    "transition",
]
