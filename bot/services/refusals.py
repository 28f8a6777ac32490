"""Refusals and short answers in the reader's audience and language.

A typed error (:class:`~bot.domain.errors.ParleyError`) carries a ``key`` and ``values``; its
text is the template ``refusal/<key>`` under ``replies/<audience>/<lang>/``. A key with no
template for that audience falls back to its class's generic refusal (``refusal/stale``,
``refusal/not_found``…), then to ``refusal/error``; so a buyer never gets a seller's wording
and nobody gets an English sentence from the code.

:data:`TEMPLATES` lists every template this module and :mod:`bot.telegram.texts` render, with
its audience, for start-up validation (:func:`required`, :func:`sample_context`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from bot.domain.errors import ParleyError, RenderError
from bot.domain.ports import Renderer
from bot.domain.text import strip_html

log = logging.getLogger(__name__)

BUYER = "buyer"
SELLER = "seller"
GENERIC = "error"
TOAST_LIMIT = 200  # characters Telegram shows in a callback answer
MESSAGE_LIMIT = 4000

# Refusals either audience may read (a seller presses a buyer's button, a buyer a seller's).
COMMON = (
    "refusal/seller_only",  # a button of the seller console pressed by someone else
    "refusal/not_yours",  # a button of another person's chat
    "refusal/stale",  # StaleAction without a key of its own
    "refusal/not_found",  # NotFound without a key of its own
    "refusal/not_allowed",  # NotAllowed without a key of its own
    "refusal/error",  # any other ParleyError
    "refusal/unknown_draft",  # draft_id
)
BUYER_ONLY = (
    "toast/chosen",  # ✔ and the option or topic the buyer picked
    "refusal/unknown_topic",
    "refusal/unknown_message",  # message_id
    "refusal/already_answered",
    "refusal/offer_closed",
    "refusal/already_chosen",
)
SELLER_ONLY = (
    "refusal/cannot_learn",  # intent
    "refusal/command",  # frames a /dispute problem: ⚠️ problem
    "refusal/invalid_transition",  # state, event, allowed
    "refusal/dispute_changed",
    "refusal/dispute_usage",
    "refusal/not_an_order_id",  # word
    "refusal/not_a_date",  # word
    "refusal/date_in_future",  # word
    "refusal/opened_in_future",
    "refusal/offer_missing",
    "refusal/answer_missing",
    "refusal/no_open_dispute",  # order_id
    "refusal/already_open",  # order_id, opened
    "refusal/order_not_imported",  # order_id
    "refusal/no_offer_to_accept",  # order_id
    "refusal/no_order_in_conversation",
    "refusal/unknown_conversation",  # conversation_id
    "refusal/unknown_order",  # order_id
    "refusal/unknown_dispute",  # dispute_id
    "refusal/already_decided",  # status, by
    "refusal/unknown_option",  # option (its number)
    "refusal/no_edit_waiting",
    "refusal/already_talking",  # conversation_id
    "refusal/nothing_taken_over",
    "refusal/unknown_choice",  # choice_id
    "refusal/already_done",  # by
)
TEMPLATES: tuple[tuple[str, str], ...] = (
    *((BUYER, name) for name in (*COMMON, *BUYER_ONLY)),
    *((SELLER, name) for name in (*COMMON, *SELLER_ONLY)),
)
"""(audience, template name) of every refusal and toast, for the loader's required list."""


def required(
    buyer_languages: Iterable[str], seller_languages: Iterable[str]
) -> list[tuple[str, str, str]]:
    """(audience, language, name) of every template in :data:`TEMPLATES`."""
    languages = {BUYER: tuple(buyer_languages), SELLER: tuple(seller_languages)}
    return [(aud, lang, name) for aud, name in TEMPLATES for lang in languages[aud]]


def _generic(error: ParleyError) -> str:
    return type(error).default_key


def render(renderer: Renderer, audience: str, language: str, name: str, **context: Any) -> str:
    """One template of :data:`TEMPLATES` (Telegram HTML)."""
    return renderer.render(audience, language, name, {"detail": "", **context})


def refusal(renderer: Renderer, audience: str, language: str, error: ParleyError) -> str:
    """The text (Telegram HTML) telling the reader why ``error`` stopped them."""
    *tries, last = dict.fromkeys((error.key, _generic(error), GENERIC))
    for key in tries:
        values = error.values if key == error.key else {}
        try:
            return renderer.render(
                audience, language, f"refusal/{key}", {"detail": error.detail, **values}
            )
        except RenderError as exc:  # no such template for this audience, or a value missing
            log.warning("refusal %s falls back: %s", key, exc)
    values = error.values if last == error.key else {}
    return renderer.render(
        audience, language, f"refusal/{last}", {"detail": error.detail, **values}
    )


def command(renderer: Renderer, language: str, error: ParleyError) -> str:
    """A problem with a seller command (``/dispute …``), framed, in the seller's language."""
    problem = strip_html(refusal(renderer, SELLER, language, error))  # escaped again below
    return render(renderer, SELLER, language, "refusal/command", problem=problem)


def toast(text: str) -> str:
    """Rendered Telegram HTML as the plain text of a callback answer."""
    return strip_html(text)[:TOAST_LIMIT]
