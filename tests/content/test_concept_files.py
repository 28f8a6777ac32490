"""The concept lexicon, ``intents/concepts/<lang>.toml``: the shipped one is complete, a
seller's intents folder without one uses it, and a broken file stops start-up naming it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.concepts import load_concepts
from bot.content.intents import load_intents
from bot.content.paths import shipped_dir
from bot.domain.errors import ContentError
from bot.domain.languages import BUYER_LANGUAGES

SHIPPED = shipped_dir("intents") / "concepts"


def test_every_language_has_the_same_concepts() -> None:
    concepts = load_concepts(SHIPPED, BUYER_LANGUAGES)
    assert set(concepts) == set(BUYER_LANGUAGES)
    ids = set(concepts["en"])
    assert len(ids) >= 100
    for lang, table in concepts.items():
        assert set(table) == ids, lang
        assert all(len(words) >= 3 for words in table.values()), lang


def test_an_intents_folder_without_concepts_uses_the_shipped_ones(tmp_path: Path) -> None:
    own = tmp_path / "intents"
    shutil.copytree(shipped_dir("intents"), own, ignore=shutil.ignore_patterns("concepts"))
    assert load_intents(own, BUYER_LANGUAGES).concepts == load_concepts(SHIPPED, BUYER_LANGUAGES)


def test_an_intents_folder_with_its_own_concepts_uses_them(tmp_path: Path) -> None:
    own = tmp_path / "intents"
    shutil.copytree(shipped_dir("intents"), own, ignore=shutil.ignore_patterns("concepts"))
    (own / "concepts").mkdir()
    (own / "concepts" / "en.toml").write_text('refund = ["refund", "reimburse"]\n', "utf-8")
    assert load_intents(own, BUYER_LANGUAGES).concepts == {
        "en": {"refund": ("refund", "reimburse")}
    }


def test_an_empty_concepts_folder_switches_the_lexicon_off(tmp_path: Path) -> None:
    own = tmp_path / "intents"
    shutil.copytree(shipped_dir("intents"), own, ignore=shutil.ignore_patterns("*.toml"))
    for path in shipped_dir("intents").glob("*.toml"):
        shutil.copy(path, own)
    assert (own / "concepts").is_dir() and not list((own / "concepts").iterdir())
    assert load_intents(own, BUYER_LANGUAGES).concepts == {}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "en.toml",
            'refund = ["refund", "money back"]\n',
            "'money back' in refund is not one word",
        ),
        ("en.toml", 'refund = ["refund"]\nRefund2 = ["x"]\n', "concept 'Refund2' must be"),
        ("en.toml", "refund = []\n", "refund must be a non-empty list of words"),
        ("en.toml", 'refund = "refund"\n', "refund must be a non-empty list of words"),
        ("en.toml", 'refund = ["refund", 3]\n', "3 in refund is not one word"),
        ("en.toml", 'refund = ["refund"\n', "en.toml: "),
        ("de.toml", 'refund = ["erstattung"]\n', "not a buyer language"),
    ],
)
def test_a_broken_concept_file_names_itself(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    (tmp_path / name).write_text(text, "utf-8")
    with pytest.raises(ContentError) as err:
        load_concepts(tmp_path, BUYER_LANGUAGES)
    assert str(tmp_path / name) in str(err.value)
    assert message in str(err.value)


def test_the_line_of_a_bad_word_is_named(tmp_path: Path) -> None:
    path = tmp_path / "fr.toml"
    path.write_text(
        '# lexique\nrefund = ["rembourser"]\ncancel = ["annuler", "faire opposition"]\n'
    )
    with pytest.raises(ContentError, match=r"fr\.toml:3: 'faire opposition' in cancel"):
        load_concepts(tmp_path, BUYER_LANGUAGES)
