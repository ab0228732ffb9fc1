"""Text folding shared by search, duplicate checks and sorting.

German users type "Müller", "Mueller" and "Muller" for the same name. Folding maps all
three to one form ("muller"): lower case, ß -> ss, diacritics stripped, and the digraphs
ae/oe/ue reduced to their vowel. The same function runs on indexed text and on queries,
so a prefix of a word always folds to a prefix of the folded word.
"""
import re
import unicodedata
from functools import lru_cache

_DIGRAPHS = re.compile(r"([aou])e")
_TOKEN_SPLIT = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=262144)  # names, streets and places repeat a lot in real lists and imports
def fold(text: str | None) -> str:
    if not text:
        return ""
    text = text.lower()
    if not text.isascii():
        text = text.replace("ß", "ss").replace("ẞ", "ss")
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _DIGRAPHS.sub(r"\1", text)


def tokens(text: str | None) -> list[str]:
    """Folded words of a text, in order, without empties."""
    return [t for t in _TOKEN_SPLIT.split(fold(text)) if t]
