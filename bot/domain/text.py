"""Text normalisation and language guessing shared by intent matching and entity extraction."""

from __future__ import annotations

import html
import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_REPEATS = re.compile(r"(\w)\1{2,}", re.UNICODE)
_DIGITS = re.compile(r"\d+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# Frequent function words: enough to tell our five languages apart in a short message.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "i",
            "my",
            "is",
            "it",
            "was",
            "a",
            "and",
            "to",
            "of",
            "not",
            "you",
            "me",
            "have",
            "did",
            "for",
            "this",
            "why",
            "where",
            "when",
            "what",
            "order",
            "item",
            "please",
            "still",
            "received",
            "got",
            "with",
            "but",
            "can",
            "your",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "mi",
            "es",
            "no",
            "que",
            "de",
            "y",
            "en",
            "un",
            "una",
            "por",
            "para",
            "pedido",
            "recibi",
            "llego",
            "todavia",
            "cuando",
            "donde",
            "porque",
            "hola",
            "gracias",
            "quiero",
            "esta",
            "estoy",
            "muy",
            "pero",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "meu",
            "minha",
            "e",
            "nao",
            "que",
            "de",
            "do",
            "da",
            "em",
            "um",
            "uma",
            "por",
            "para",
            "pedido",
            "recebi",
            "chegou",
            "ainda",
            "quando",
            "onde",
            "porque",
            "ola",
            "obrigado",
            "obrigada",
            "quero",
            "esta",
            "estou",
            "muito",
            "mas",
            "voce",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "mon",
            "ma",
            "mes",
            "est",
            "ne",
            "pas",
            "que",
            "de",
            "et",
            "en",
            "un",
            "une",
            "pour",
            "commande",
            "recu",
            "arrive",
            "toujours",
            "quand",
            "ou",
            "pourquoi",
            "bonjour",
            "merci",
            "je",
            "veux",
            "c",
            "est",
            "tres",
            "mais",
            "vous",
        ]
    ),
}


def fold(text: str) -> str:
    """Lowercase and strip accents (``não`` → ``nao``, ``recibí`` → ``recibi``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Folded words separated by single spaces: no punctuation, emoji, numbers or stutter."""
    text = fold(text)
    text = _DIGITS.sub(" ", text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    text = _REPEATS.sub(r"\1\1", text)
    return " ".join(text.split())


def guess_language(text: str, hint: str | None, default: str) -> str:
    """Best guess of the message language among en/ru/es/pt/fr.

    Cyrillic means Russian; otherwise the language whose common words occur most, with
    Telegram's ``language_code`` (``hint``) breaking ties and ``default`` as the last resort.
    """
    if _CYRILLIC.search(text):
        return "ru"
    words = normalize(text).split()
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores.values(), default=0)
    if best == 0:
        return hint if hint in ("en", "ru", "es", "pt", "fr") else default
    leaders = [lang for lang, score in scores.items() if score == best]
    if hint in leaders:
        return hint
    return leaders[0] if len(leaders) == 1 else (default if default in leaders else leaders[0])


_TAG = re.compile(r"<[^>]+>")


def strip_html(text: str) -> str:
    """Telegram-HTML to the plain text a reader sees."""
    return html.unescape(_TAG.sub("", text))
