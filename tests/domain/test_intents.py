"""The intent matcher on the shipped intents: golden cases per language, typing noise,
transliteration, doubt handling and explainability."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from bot.content.intents import load_intents
from bot.content.paths import shipped_dir
from bot.domain.concepts import concept_features
from bot.domain.entities import Scan
from bot.domain.features import Featurizer
from bot.domain.intents import NONE, IntentMatcher, Phrase
from bot.domain.language import LanguageDetector
from bot.domain.languages import BUYER_LANGUAGES
from bot.domain.linear import linear_features
from bot.domain.text import fold, latin_to_cyrillic, normalize, stem_words
from bot.wiring import intent_matcher


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    catalog = load_intents(shipped_dir("intents"), BUYER_LANGUAGES)
    return intent_matcher(catalog, "en")  # trained once, then from the disk cache


GOLDEN = [
    ("en", "The price dropped right after I ordered, that's not fair!", "price_drop"),
    ("en", "the item came smashed to pieces", "damaged_item"),
    ("en", "when are you going to ship my order?", "order_status"),
    ("en", "I ordered a red one and got a green one", "wrong_item"),
    ("en", "I want to cancel my purchase", "cancel_order"),
    ("en", "can I speak to a human please", "human_agent"),
    ("en", "is there any coupon for me?", "coupon_request"),
    ("en", "hello?", "greeting"),
    ("en", "where is my parcel?", "order_status"),
    ("en", "where is my parcel? it is late", "late_delivery"),  # README: late wins
    ("ru", "посылка не пришла, а в трекинге вручено", "not_received"),
    ("ru", "товар сломан, не включается", "damaged_item"),
    ("ru", "хочу отменить заказ", "cancel_order"),
    ("ru", "спасибо, всё получил", "thanks"),
    ("es", "el producto llegó roto", "damaged_item"),
    ("es", "quiero devolver el producto y recuperar mi dinero", "return_refund"),
    ("es", "me cobran impuestos en la aduana", "customs_fees"),
    ("es", "buenas tardes", "greeting"),
    ("pt", "o produto chegou quebrado", "damaged_item"),
    ("pt", "quero trocar por um tamanho maior, ficou pequeno", "size_exchange"),
    ("pt", "tem cupom de desconto pra mim?", "coupon_request"),
    ("pt", "obrigado, chegou tudo certo", "thanks"),
    ("fr", "le colis est bloqué à la douane, je dois payer des taxes ?", "customs_fees"),
    ("fr", "je veux parler à un conseiller humain", "human_agent"),
    ("fr", "il manque deux pièces dans mon colis", "missing_items"),
    ("fr", "bonjour", "greeting"),
]


@pytest.mark.parametrize(("lang", "text", "intent"), GOLDEN)
def test_golden_cases(matcher: IntentMatcher, lang: str, text: str, intent: str) -> None:
    result = matcher.classify(text)
    assert (result.intent, result.language) == (intent, lang)
    assert 0.0 <= result.confidence <= 1.0


NOISY = [
    ("en", "the prise droped rigth after i orderd", "price_drop"),  # typos
    ("en", "PLEASEEEE CANCELLL MY ORDERRR", "cancel_order"),  # caps and stutter
    ("es", "no recibi nada y dice entregado", "not_received"),  # no accents
    ("es", "no recibí nada y dice entregado", "not_received"),
    ("pt", "nao chegou ainda, esta atrasado demais", "late_delivery"),
    ("pt", "não chegou ainda, está atrasado demais", "late_delivery"),
    ("fr", "je veux etre rembourse, je renvoie l article", "return_refund"),
    ("ru", "otmenite moi zakaz pozhaluysta", "cancel_order"),  # Russian in Latin letters
    ("ru", "tovar prishel slomannyi", "damaged_item"),
    ("ru", "spasibo bolshoe", "thanks"),
    ("en", "hello, the price dropped after I paid 🙁🙁", "price_drop"),  # greeting + request
    ("en", "<b>price</b> dropped & I want <i>money</i>", "price_drop"),
]


@pytest.mark.parametrize(("lang", "text", "intent"), NOISY)
def test_survives_real_typing(matcher: IntentMatcher, lang: str, text: str, intent: str) -> None:
    result = matcher.classify(text)
    assert (result.intent, result.language) == (intent, lang)


@pytest.mark.parametrize(
    "text",
    ["asdkjhaskjdh", "🔥🔥🔥", "...", "", "   ", "12345", "what's 2+2", "earn bitcoin fast, dm me"],
)
def test_out_of_scope_is_none(matcher: IntentMatcher, text: str) -> None:
    assert matcher.classify(text).intent == NONE


def test_accents_and_case_do_not_change_the_result(matcher: IntentMatcher) -> None:
    plain = matcher.classify("nao recebi meu pedido, diz entregue")
    accented = matcher.classify("NÃO RECEBI MEU PEDIDO, DIZ ENTREGUE")
    assert plain.intent == accented.intent == "not_received"


def test_result_explains_itself(matcher: IntentMatcher) -> None:
    result = matcher.classify("customs is asking me to pay import duty for my parcel")
    assert result.intent == "customs_fees"
    assert result.example  # the example phrase that decided
    assert result.example in result.evidence
    assert "customs" in result.keywords
    scores = [score for _, score in result.alternatives]
    assert scores and scores == sorted(scores, reverse=True) and scores[0] <= result.score
    payload = result.as_dict()
    json.dumps(payload)  # JSON-ready
    assert payload["intent"] == "customs_fees" and "entities" in payload


def test_entities_come_with_the_result(matcher: IntentMatcher) -> None:
    result = matcher.classify("I paid $34.99 for order 8175342209981234 and now it's $22")
    assert result.intent == "price_drop"
    assert result.entities.order_numbers == ("8175342209981234",)
    assert [str(m) for m in result.entities.amounts] == ["US$34.99", "US$22.00"]


def test_telegram_language_is_only_a_hint(matcher: IntentMatcher) -> None:
    assert matcher.classify("quiero cancelar la compra", hint="en").language == "es"
    assert matcher.classify("ok", hint="pt").language == "pt"


def test_close_call_is_flagged_ambiguous() -> None:
    phrases = [
        Phrase("order_status", "en", "where is my parcel now"),
        Phrase("late_delivery", "en", "my parcel is so late"),
        Phrase("greeting", "en", "hello"),
    ]
    matcher = IntentMatcher(phrases, linear=False, threshold=0.05)
    result = matcher.classify("parcel")
    assert result.intent in ("order_status", "late_delivery")
    assert result.ambiguous
    assert result.runner_up == ({"order_status", "late_delivery"} - {result.intent}).pop()
    clear = matcher.classify("where is my parcel now")
    assert clear.intent == "order_status" and not clear.ambiguous


def test_words_no_example_uses_lean_towards_none() -> None:
    phrases = [
        Phrase("return_refund", "en", "please refund my money"),
        Phrase("none", "en", "what is the weather tomorrow"),
    ]
    plain = IntentMatcher(phrases, linear=False, unknown_weight=0.0)
    leaning = IntentMatcher(phrases, linear=False, unknown_weight=1.0)
    none = plain.intents.index(NONE)

    def lean(text: str) -> float:
        before, after = plain.read(text).logits, leaning.read(text).logits
        assert before is not None and after is not None
        return float(after[none] - before[none])

    assert lean("please refund my money") == 0.0  # every word is known
    # half the content words are unknown ("refund", "money" known; "gym", "membership" not)
    assert lean("refund the gym membership money") == pytest.approx(0.5)


def test_a_concept_carries_what_one_word_taught_to_its_synonyms() -> None:
    phrases = [
        Phrase("return_refund", "en", "I want a refund"),
        Phrase("return_refund", "es", "quiero un reembolso"),
        Phrase("cancel_order", "en", "I want to cancel the order"),
        Phrase("cancel_order", "es", "quiero cancelar el pedido"),
        Phrase("none", "en", "I want to know the weather"),
        Phrase("none", "es", "quiero saber el clima"),
    ]
    concepts = {
        "en": {"refund": ["refund", "reimburse"], "cancel": ["cancel", "annul"]},
        "es": {"refund": ["reembolso", "reintegro"], "cancel": ["cancelar", "anular"]},
    }
    # the linear model alone, without the lean of unknown words towards none
    plain = IntentMatcher(phrases, threshold=0.0, knn_weight=0.0, unknown_weight=0.0)
    knowing = IntentMatcher(
        phrases, threshold=0.0, knn_weight=0.0, unknown_weight=0.0, concepts=concepts
    )
    refund = plain.intents.index("return_refund")

    def odds(matcher: IntentMatcher, text: str) -> float:
        logits = matcher.read(text).logits
        assert logits is not None
        return float(logits[refund] - np.delete(logits, refund).max())

    # "reimburse" and "reintegro" are in no example: only the concept ties them to a refund
    for text in ("I want you to reimburse me", "quiero el reintegro"):
        assert odds(knowing, text) > odds(plain, text) + 0.5, text
        assert knowing.classify(text).intent == "return_refund", text
    # a word of another concept does not pull towards a refund
    assert knowing.classify("I want to annul the order").intent == "cancel_order"
    # words are matched by stem ("reimbursed" too), and each language has its own table
    exact, by_stem = knowing._concepts["en"]
    assert exact["reimburse"] == by_stem["reimburs"] == ("w@refund",)
    assert "reimburs" not in knowing._concepts["es"][1]


def test_below_threshold_is_none_with_the_near_miss_named() -> None:
    phrases = [Phrase("thanks", "en", "thank you very much"), Phrase("none", "en", "test")]
    matcher = IntentMatcher(phrases, linear=False, threshold=1.0)  # nothing is ever sure enough
    result = matcher.classify("thank you")
    assert result.intent == NONE
    assert result.alternatives[0][0] == "thanks"
    assert "below threshold" in result.evidence


def test_keywords_add_to_their_intent_and_negatives_count_against() -> None:
    base = [
        Phrase("return_refund", "en", "please refund me"),
        Phrase("price_drop", "en", "the price is lower now, pay me the difference"),
    ]
    text = "please refund the price difference"
    plain = IntentMatcher(base, linear=False, threshold=0.0).classify(text)
    assert plain.intent == "return_refund"
    boosted = IntentMatcher(
        [*base, Phrase("price_drop", "en", "price difference", keyword=True)],
        linear=False,
        threshold=0.0,
    ).classify(text)
    assert boosted.intent == "price_drop"
    assert boosted.keywords == ("price difference",)
    assert "keyword 'price difference'" in boosted.evidence
    penalised = IntentMatcher(
        [*base, Phrase("return_refund", "en", "refund the price difference", negative=True)],
        linear=False,
        threshold=0.0,
    ).classify(text)
    assert penalised.intent == "price_drop"


def test_normalisation_helpers() -> None:
    assert fold("Não recebí ÇA") == "nao recebi ca"
    assert fold("йогурт Ёлка") == "йогурт елка"
    assert normalize("HIIII!!! 😡 order #123 pleeeease") == "hi order please"
    assert latin_to_cyrillic("vernite") == "верните"
    assert latin_to_cyrillic("zdravstvuite") == "здравствуйте"


def test_language_detector_on_short_messages() -> None:
    detector = LanguageDetector(
        [
            ("en", "where is my order"),
            ("es", "dónde está mi pedido"),
            ("pt", "cadê o meu pedido"),
            ("fr", "où est ma commande"),
            ("ru", "где мой заказ"),
        ]
    )
    assert detector.detect("gde moi zakaz", None, "en") == ("ru", True)
    assert detector.detect("где заказ", None, "en") == ("ru", False)
    assert detector.detect("ma commande est où", None, "en")[0] == "fr"
    assert detector.detect("🙂", "pt", "en")[0] == "pt"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("WHERE IS MY PACKAGE ITS BEEN 2 MONTHS", "late_delivery"),
        ("cadê meu pedido? já faz 45 dias e nada", "late_delivery"),
        ("посылка уже месяц едет, когда будет?", "late_delivery"),
        ("where is my order?", "order_status"),
        ("Halloween is in 3 days and you sent a frog costume instead of the dinosaur",
         "wrong_item"),
    ],
)  # fmt: skip
def test_counting_the_wait_means_it_is_late(matcher: IntentMatcher, text: str, intent: str) -> None:
    assert matcher.classify(text).intent == intent


@pytest.mark.parametrize("text", ["Есть 42 размер?", "А 38 размер будет?", "Есть в 44?"])
def test_a_size_does_not_change_the_language_of_a_russian_question(
    matcher: IntentMatcher, text: str
) -> None:
    result = matcher.classify(text)
    assert result.language == "ru"
    assert result.intent == "product_question"


def test_a_negated_keyword_does_not_count() -> None:
    phrases = [
        Phrase("cancel_order", "en", "please cancel my order"),
        Phrase("change_order", "en", "please change the colour of my order"),
        Phrase("cancel_order", "en", "cancel", keyword=True),
    ]
    matcher = IntentMatcher(phrases, linear=False, threshold=0.0)
    assert matcher.classify("cancel it").keywords == ("cancel",)
    kept = matcher.classify("don't cancel it, change the colour")
    assert kept.intent == "change_order" and kept.keywords == ()
    assert matcher.classify("please do not cancel").keywords == ()


def test_confidence_is_a_probability_over_the_intents(matcher: IntentMatcher) -> None:
    result = matcher.classify("my parcel arrived broken")
    shown = result.confidence + sum(score for _, score in result.alternatives)
    assert 0.0 < result.confidence <= 1.0 and shown <= 1.0 + 1e-3


def test_one_language_detector_for_conversations_and_intents(matcher: IntentMatcher) -> None:
    for text, hint in [
        ("vernite dengi pozhaluysta", None),
        ("¿dónde está mi pedido?", None),
        ("ok", "pt"),
        ("", "fr"),
        ("Есть 42 размер?", "en"),
    ]:
        assert matcher.language_of(text, hint) == matcher.classify(text, hint).language
    assert matcher.language_of("vernite dengi pozhaluysta") == "ru"
    assert matcher.language_of("¿dónde está mi pedido?") == "es"
    assert matcher.language_of("", "fr") == "fr"


# Messages that exercise every branch of the featurisation: short and long words, grams
# repeated within and across words, words and grams the examples never use, entities,
# Russian in Cyrillic and typed in Latin letters, accents and stutter.
TRICKY = [
    "where is my order",
    "banana banana nanana, the the the",
    "zxqv qwzk blorptastic",
    "I paid $34.99 for order 8175342209981234 and now it's $22",
    "otmenite moi zakaz pozhaluysta",
    "посылка уже месяц едет, когда будет?",
    "NÃO RECEBI MEU PEDIDO, DIZ ENTREGUE!!! 😡",
    "je veux etre rembourse, je renvoie l article",
    "a b c d e",
    "hiiii pleeeease",
]


@pytest.mark.parametrize("text", TRICKY)
def test_shared_ngrams_give_the_reference_vectors(matcher: IntentMatcher, text: str) -> None:
    # classify builds both models' vectors from each word's cached n-gram ids; they must hold
    # the features the reference code (feature names looked up one by one) gives, and the
    # same weights up to the order the squares of the norms are added in
    _, masked, words, language, latin = matcher._prepare(text, None)
    tokens = matcher._featurizer.tokens(masked, language, latin, words)
    stems = stem_words(tokens, language)
    for _ in range(2):  # first sight, then from the per-word cache
        (ids, weights), (lin_ids, lin_weights) = matcher._vectors.build(tokens, stems, language)
        ref_ids, ref_weights = matcher._featurizer.vector(Featurizer.features(tokens, stems))
        ref_lin_ids, ref_lin_weights = matcher._vectors.vectorizer.vector(
            linear_features(tokens, stems)
            + concept_features(matcher._concepts, tokens, stems, language)
        )
        order, lin_order = np.argsort(ref_ids), np.argsort(ref_lin_ids)
        assert ids.tolist() == ref_ids[order].tolist()
        assert np.allclose(weights, ref_weights[order], rtol=1e-12, atol=0.0)
        assert lin_ids.tolist() == ref_lin_ids[lin_order].tolist()
        assert np.allclose(lin_weights, ref_lin_weights[lin_order], rtol=1e-12, atol=0.0)


def test_similarities_do_not_depend_on_scipy(
    matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    readings = [matcher.similarities(t, "en", False) for t in TRICKY]
    monkeypatch.setattr(matcher._index, "_kernels", None)  # the numpy fallback
    assert [matcher.similarities(t, "en", False).tolist() for t in TRICKY] == [
        r.tolist() for r in readings
    ]


def test_a_pickled_engine_classifies_alike() -> None:
    phrases = [
        Phrase("cancel_order", "en", "please cancel my order"),
        Phrase("order_status", "en", "where is my order"),
        Phrase("order_status", "es", "dónde está mi pedido"),
    ]
    matcher = IntentMatcher(phrases, threshold=0.0)
    before = [matcher.classify(t) for t in ("cancel it", "dónde está", "where is it")]
    loaded = pickle.loads(pickle.dumps(matcher))  # the per-word caches are rebuilt, not saved
    assert [loaded.classify(t) for t in ("cancel it", "dónde está", "where is it")] == before


SCANNED = [
    "order 8000000000000001 came broken, I paid $25.90",
    "Есть 42 размер? заказ №8000000000000002",
    "where is my parcel LP00123456789012 since 3 march",
    "hello?",
]


@pytest.mark.parametrize("text", SCANNED)
def test_a_callers_scan_gives_the_same_decision_as_none(matcher: IntentMatcher, text: str) -> None:
    scan = Scan.of(text)
    assert Scan.reuse(scan, text) is scan  # the same text: the same scan, not a second one
    given = matcher.classify(text, "en", scan)
    assert given == matcher.classify(text, "en")
    assert given.entities == scan.entities
    assert matcher.language_of(text, "en", scan) == given.language


def test_a_scan_of_other_text_is_not_used(matcher: IntentMatcher) -> None:
    text = "order 8000000000000001 came broken"
    stale = Scan.of("I paid $40 and now it costs $25")
    result = matcher.classify(text, "en", stale)
    assert result.entities.order_numbers == ("8000000000000001",)
    assert result.entities.amounts == ()
    assert result == matcher.classify(text, "en")
