import pytest

from crm.core.text import fold, tokens


@pytest.mark.parametrize(
    "spellings",
    [
        ("Müller", "Mueller", "Muller", "MÜLLER"),
        ("Größe", "Groesse", "Grosse"),
        ("Jürgen", "Juergen", "Jurgen"),
        ("Bäcker", "Baecker", "Backer"),
        ("Straße", "Strasse"),
        ("Öhringen", "Oehringen", "Ohringen"),
        ("Café", "Cafe"),
    ],
)
def test_german_spellings_fold_to_one_form(spellings):
    assert len({fold(s) for s in spellings}) == 1


@pytest.mark.parametrize("word", ["Müller", "Mueller", "Bauer", "Michael", "Goethe", "Poesie", "Kleinwallstadt"])
def test_every_prefix_of_a_word_folds_to_a_prefix_of_the_folded_word(word):
    folded = fold(word)
    for end in range(1, len(word) + 1):
        assert folded.startswith(fold(word[:end])), word[:end]


def test_tokens_split_on_punctuation_and_keep_digits():
    assert tokens("k.huber@markt-elsenfeld.de, Tel. 06022/1234") == [
        "k", "huber", "markt", "elsenfeld", "de", "tel", "06022", "1234"
    ]
    assert tokens("") == [] and tokens(None) == []
