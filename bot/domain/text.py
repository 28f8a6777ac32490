"""Text normalisation, transliteration, stemming, negation and the languages' common words.

Everything here is pure and deterministic; the intent matcher and the entity extractor build
on it. Normalisation survives real typing: letter case, accents (``recibi``/``recibí``),
stuttered letters (``hiii``, ``pleeeease``), punctuation, emoji and numbers are ignored, and
Russian typed in Latin letters (``vernite dengi``) can be mapped back to Cyrillic.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import Stemmer

LANGUAGES: tuple[str, ...] = ("en", "ru", "es", "pt", "fr")

_SEPARATORS = re.compile(r"[\W\d_]+", re.UNICODE)  # what splits words: non-word, digit, "_"
_REPEATS = re.compile(r"(\w)\1{2,}", re.UNICODE)
_REPEATED = re.compile(r"(\w)\1\1", re.UNICODE)  # a quick look for _REPEATS
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
_TAG = re.compile(r"<[^>]+>")
# combining marks left by NFKD decomposition (accents, cedillas, tildes, breves …)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Frequent function words (folded: no accents) of each language, plus Russian typed in Latin
# letters ("ru_latn"). Enough to tell our languages apart in a short message; the matcher adds
# the vocabulary of the example phrases on top of these.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the i my is it was a an and to of not you me have did for this why where when what "
        "order item please pls still received got with but can your its it's im dont doesnt "
        "didnt hi hello thanks thank are be been will would there they my we our just now "
        "want get how do does any yet already u ur r ok yes no"
    ),
    "es": _words(
        "el la los las mi mis es no que de y en un una por para pedido recibi llego todavia "
        "cuando donde porque hola gracias quiero esta estoy muy pero me lo le se su ya tengo "
        "hace como del al con sin porfa favor buenas buenos dias tardes"
    ),
    "pt": _words(
        "o a os as meu minha e nao que de do da em um uma por para pedido recebi chegou ainda "
        "quando onde porque ola oi obrigado obrigada quero esta estou muito mas voce vc vcs "
        "pra pro ta tá no na com sem isso ja tem bom boa dia noite tarde"
    ),
    "fr": _words(
        "le la les mon ma mes est ne pas que de et en un une pour commande recu arrive "
        "toujours quand ou pourquoi bonjour merci je j veux c tres mais vous du des au aux ai "
        "suis il elle ce ca svp bonsoir salut avec sans rien"
    ),
    "ru_latn": _words(
        "ya ne net da mne menya moi moy moya moe zakaz tovar posylka posilka gde kogda "
        "pochemu eto chto kak uzhe uje eshe eshche ischo esche ili i v na s po za ot do tak "
        "vse vsyo privet spasibo pozhaluysta pozhaluista pojaluista pzh plz dengi vernite "
        "otmenite prishel prishla prishlo poluchil poluchila kupil kupila zakazal zakazala "
        "razmer zdravstvuite zdravstvuyte dobryi dobryy den vy vam vas bylo byl byla budet "
        "mozhno nado nuzhno hochu khochu ochen tolko tozhe"
    ),
}

# Pure function words (articles, pronouns, prepositions, auxiliaries, question words): a
# message made only of these ("what's 2+2") says nothing an intent could match.
FUNCTION_WORDS: frozenset[str] = _words(
    "the a an i me my you your it its is are was were be been am do does did have has had "
    "to of in on at for with and or but not this that these those what whats s t m ll ve "
    "re d why where when how who which can could will would should u ur r so just if "
    "el la los las un una y o de del en al que por para con sin mi mis tu su es son esta "
    "estoy me te se lo le ya si como cuando donde porque "
    "os as um uma e ou do da dos das em no na ao meu minha seu sua esta estou lhe ja nao "
    "sim vc voce "
    "le les des du au aux que qui pour avec sans mon ma mes ton ta son sa est c ce ca je "
    "j tu il elle on nous vous ne pas oui non comment quand ou pourquoi "
    "и в во не на я он она оно мы вы они с со как а то все это что по но за из у о от же "
    "ли бы мне меня мой моя мое мои ты вас вам когда где почему"
)

# Russian typed in Latin letters → Cyrillic (longest match first).
_LAT2CYR: tuple[tuple[str, str], ...] = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("tz", "ц"),
    ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("ju", "ю"), ("ya", "я"), ("ja", "я"),
    ("yo", "е"), ("jo", "е"), ("ye", "е"), ("je", "е"), ("a", "а"), ("b", "б"), ("v", "в"),
    ("w", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("j", "й"),
    ("k", "к"), ("q", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"),
    ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "ц"),
    ("x", "кс"), ("y", "ы"),
)  # fmt: skip
_LAT2CYR_RE = re.compile("|".join(re.escape(lat) for lat, _ in _LAT2CYR))
_LAT2CYR_MAP = dict(_LAT2CYR)
_VOWELS_CYR = set("аеиоуыэюя")
_CYR2LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip

_STEMMER_NAMES = {
    "en": "english", "ru": "russian", "es": "spanish", "pt": "portuguese", "fr": "french",
}  # fmt: skip


def fold(text: str) -> str:
    """Lowercase and strip accents (``não`` → ``nao``, ``recibí`` → ``recibi``); ``ё`` → ``е``.

    Cyrillic ``й`` keeps its breve (it is a different letter, not an accent).
    """
    text = text.casefold().replace("й", "\x00")
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return folded.replace("\x00", "й")


def normalize(text: str) -> str:
    """Folded words separated by single spaces: no punctuation, emoji, numbers or stutter.

    Letters repeated three times or more collapse to one (``hiii`` → ``hi``).
    """
    text = _SEPARATORS.sub(" ", fold(text))
    if _REPEATED.search(text):
        text = _REPEATS.sub(r"\1", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return normalize(text).split()


def is_cyrillic(text: str) -> bool:
    """Whether most letters of ``text`` are Cyrillic."""
    if text.isascii():
        return False
    cyr = len(_CYRILLIC.findall(text))
    lat = len(_LATIN.findall(text.casefold()))
    return cyr > 0 and cyr >= lat


def latin_to_cyrillic(word: str) -> str:
    """Russian typed in Latin letters back to Cyrillic (``vernite`` → ``верните``).

    A rough mapping (``y``/``i``/``j`` after a vowel become ``й``), good enough for fuzzy and
    stem matching against Cyrillic example phrases.
    """
    out: list[str] = []
    for match in _LAT2CYR_RE.finditer(word):
        lat = match.group(0)
        cyr = _LAT2CYR_MAP[lat]
        prev = out[-1][-1] if out and out[-1] else ""
        end = match.end()
        following = word[end] if end < len(word) else ""
        if lat in ("y", "j") and (prev in _VOWELS_CYR or not following):
            cyr = "й" if prev in _VOWELS_CYR or lat == "j" else "ы"
        elif lat == "i" and prev in _VOWELS_CYR and (not following or following not in "aeiouy"):
            cyr = "й"
        out.append(cyr)
    return "".join(out)


def cyrillic_to_latin(text: str) -> str:
    """Cyrillic to the Latin spelling buyers type (``верните`` → ``vernite``)."""
    return "".join(_CYR2LAT.get(ch, ch) for ch in text)


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMER_NAMES.get(lang, "english"))


def stem_words(tokens: Sequence[str], lang: str) -> list[str]:
    """Snowball stems of normalised ``tokens`` in ``lang`` (one of :data:`LANGUAGES`)."""
    result: list[str] = _stemmer(lang).stemWords(list(tokens))
    return result


# Words that negate what follows them, folded as :func:`normalize` leaves them ("don't" becomes
# "don t", "n'annulez" becomes "n annulez"); Russian typed in Latin letters is already Cyrillic.
NEGATIONS: dict[str, frozenset[str]] = {
    "en": _words("not no never dont don doesnt doesn didnt didn t cannot nor without"),
    "es": _words("no nunca ni sin tampoco"),
    "pt": _words("nao nunca nem sem"),
    "fr": _words("ne n pas jamais sans ni"),
    "ru": _words("не ни нет без"),
}
NEGATION_WINDOW = 3  # words before a cue that may negate it ("please do not cancel")


def negated(tokens: Sequence[str], start: int, end: int, lang: str) -> bool:
    """Whether the words ``tokens[start:end]`` are negated: a negation among the few words
    before them, or French "pas" right after them ("annulez pas")."""
    words = NEGATIONS.get(lang, frozenset())
    if any(t in words for t in tokens[max(0, start - NEGATION_WINDOW) : start]):
        return True
    return lang == "fr" and end < len(tokens) and tokens[end] in ("pas", "jamais")


def strip_html(text: str) -> str:
    """Telegram-HTML to the plain text a reader sees."""
    return html.unescape(_TAG.sub("", text))
