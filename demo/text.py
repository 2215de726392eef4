"""Text grammar for the demo corpus: the templates it expands, and the engine that expands them.

Nothing here is copied from the web: every good document is assembled from templates written for
this repo, with seeded slot fillers, so the corpus is free to ship and the same seed gives the same
text. `[a|b]` in a template picks one alternative, `{X}` a slot; the engine is `fill` and `article`.

The templates themselves (vocabularies, sentences, titles, spam keywords, other-language lines,
synonym groups) are data, kept as UTF-8 JSON in `demo/templates/` next to this module, so people
can edit or extend them, or add a topic, without touching code. `load_templates` reads them at
import; each file's `_about` key says what its entries are for.
"""

import json
import random
import re
from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent / "templates"

# File stem -> the template names it must define (besides notes under keys starting with "_").
TEMPLATE_FILES = {
    "en_vocab": ("FIRST_NAMES", "SURNAMES", "TOWNS", "BUILDINGS", "WEEKDAYS", "MONTHS", "SEASONS", "SMALL"),
    "en_topics": ("EN_TOPICS",),
    "en_articles": ("EN_SENTENCES", "EN_QUOTES", "EN_OPENERS", "EN_TITLES"),
    "zh_vocab": ("ZH_SURNAMES", "ZH_GIVEN", "ZH_CITIES", "ZH_PLACES", "ZH_NUMS", "ZH_SEASONS", "ZH_WEEKDAYS"),
    "zh_topics": ("ZH_TOPICS",),
    "zh_articles": ("ZH_SENTENCES", "ZH_QUOTES", "ZH_OPENERS", "ZH_TITLES"),
    "foreign": ("FOREIGN", "FOREIGN_ORDER"),
    "junk": ("SPAM_EN_KEYWORDS", "SPAM_ZH_KEYWORDS", "BOILER_EN", "BOILER_ZH", "SHORT_EN", "SHORT_ZH"),
    "synonyms": ("EN_SYNONYMS", "ZH_SYNONYMS"),
}


def load_templates(folder: Path = TEMPLATES_DIR) -> dict:
    """Every template by name, read from `folder/<stem>.json` for each stem in TEMPLATE_FILES.

    A missing file, or a file lacking a name or defining one it should not, raises an error that
    names the file. JSON keeps key order, so topics and languages stay in the order written.
    """
    templates: dict = {}
    for stem, names in TEMPLATE_FILES.items():
        path = Path(folder) / f"{stem}.json"
        if not path.is_file():
            raise FileNotFoundError(f"demo template file missing: {path}")
        data = json.loads(path.read_text(encoding="utf-8"))
        found = [key for key in data if not key.startswith("_")]
        if missing := [name for name in names if name not in data]:
            raise ValueError(f"demo template file {path} lacks {', '.join(missing)}")
        if unknown := [key for key in found if key not in names]:
            raise ValueError(f"demo template file {path} has unknown key(s) {', '.join(unknown)}; "
                             f"expected {', '.join(names)} (prefix a note's key with '_')")
        templates.update((name, data[name]) for name in names)
    return templates


_T = load_templates()

# --- English ---
FIRST_NAMES: list[str] = _T["FIRST_NAMES"]
SURNAMES: list[str] = _T["SURNAMES"]
TOWNS: list[str] = _T["TOWNS"]
BUILDINGS: list[str] = _T["BUILDINGS"]
WEEKDAYS: list[str] = _T["WEEKDAYS"]
MONTHS: list[str] = _T["MONTHS"]
SEASONS: list[str] = _T["SEASONS"]
SMALL: list[str] = _T["SMALL"]
EN_TOPICS: dict[str, dict[str, list[str]]] = _T["EN_TOPICS"]
EN_SENTENCES: list[str] = _T["EN_SENTENCES"]
EN_QUOTES: list[str] = _T["EN_QUOTES"]
EN_OPENERS: list[str] = _T["EN_OPENERS"]
EN_TITLES: list[str] = _T["EN_TITLES"]

# --- Chinese ---
ZH_SURNAMES: list[str] = _T["ZH_SURNAMES"]
ZH_GIVEN: list[str] = _T["ZH_GIVEN"]
ZH_CITIES: list[str] = _T["ZH_CITIES"]
ZH_PLACES: list[str] = _T["ZH_PLACES"]
ZH_NUMS: list[str] = _T["ZH_NUMS"]
ZH_SEASONS: list[str] = _T["ZH_SEASONS"]
ZH_WEEKDAYS: list[str] = _T["ZH_WEEKDAYS"]
ZH_TOPICS: dict[str, dict[str, list[str]]] = _T["ZH_TOPICS"]
ZH_SENTENCES: list[str] = _T["ZH_SENTENCES"]
ZH_QUOTES: list[str] = _T["ZH_QUOTES"]
ZH_OPENERS: list[str] = _T["ZH_OPENERS"]
ZH_TITLES: list[str] = _T["ZH_TITLES"]

# --- Other languages: {lang: {"names", "cities", "lines"}}; lines use {name}/{city}/{num} ---
FOREIGN: dict[str, dict[str, list[str]]] = _T["FOREIGN"]
FOREIGN_ORDER: tuple[str, ...] = tuple(_T["FOREIGN_ORDER"])

# --- Pages that should be dropped ---
SPAM_EN_KEYWORDS: list[str] = _T["SPAM_EN_KEYWORDS"]
SPAM_ZH_KEYWORDS: list[str] = _T["SPAM_ZH_KEYWORDS"]
BOILER_EN: list[str] = _T["BOILER_EN"]
BOILER_ZH: list[str] = _T["BOILER_ZH"]
SHORT_EN: list[str] = _T["SHORT_EN"]
SHORT_ZH: list[str] = _T["SHORT_ZH"]

# --- Synonym groups ("a|b|c"), swapped at random to keep distinct documents apart in n-grams ---
EN_SYNONYMS: tuple[str, ...] = tuple(_T["EN_SYNONYMS"])
ZH_SYNONYMS: tuple[str, ...] = tuple(_T["ZH_SYNONYMS"])


def _synonym_table(groups: tuple[str, ...], word_boundary: bool) -> tuple[re.Pattern, dict]:
    choices = {word: group.split("|") for group in groups for word in group.split("|")}
    alternation = "|".join(sorted(map(re.escape, choices), key=len, reverse=True))
    return re.compile(rf"\b(?:{alternation})\b" if word_boundary else alternation), choices


_EN_VARY = _synonym_table(EN_SYNONYMS, word_boundary=True)
_ZH_VARY = _synonym_table(ZH_SYNONYMS, word_boundary=False)


def vary(rng: random.Random, text: str, lang: str) -> str:
    pattern, choices = _EN_VARY if lang == "en" else _ZH_VARY
    return pattern.sub(lambda m: rng.choice(choices[m.group()]), text)


# --- Engine --------------------------------------------------------------------------------

_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+?)(2?)\}")


def fill(rng: random.Random, template: str, vocab: dict) -> str:
    """Expand `[a|b]` alternatives, then `{X}` slots; `{X2}` never repeats the sentence's `{X}`."""
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    used: dict[str, str] = {}

    def slot(m: re.Match) -> str:
        key, second = m.group(1), m.group(2)
        options = vocab[key]
        value = options() if callable(options) else rng.choice(options)
        while second and value == used.get(key):
            value = options() if callable(options) else rng.choice(options)
        used.setdefault(key, value)
        return value

    return _SLOT.sub(slot, text)


def en_vocab(rng: random.Random, topic: str) -> dict:
    return dict(
        EN_TOPICS[topic],
        P=lambda: f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        T=TOWNS, B=BUILDINGS, W=WEEKDAYS, M=MONTHS, S=SEASONS, K=SMALL,
        D=lambda: str(rng.randint(12, 950)),
        Y=lambda: str(rng.randint(1890, 2021)),
    )


def zh_vocab(rng: random.Random, topic: str) -> dict:
    return dict(
        ZH_TOPICS[topic],
        P=lambda: rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN),
        C=ZH_CITIES, L=ZH_PLACES, S=ZH_SEASONS, K=ZH_NUMS,
        W=ZH_WEEKDAYS,
        M=lambda: str(rng.randint(1, 12)),
        D=lambda: str(rng.randint(12, 950)),
        Y=lambda: str(rng.randint(1890, 2021)),
    )


class _Deck:
    """Deal items without replacement, reshuffling when empty: a document rarely repeats a
    template, which keeps its own duplicate n-gram fractions (Gopher repetition) low."""

    def __init__(self, rng: random.Random, items: list[str]):
        self.rng, self.items, self.hand = rng, list(items), []

    def draw(self) -> str:
        if not self.hand:
            self.hand = self.items[:]
            self.rng.shuffle(self.hand)
        return self.hand.pop()


def article(rng: random.Random, lang: str, target_units: int, topic: str | None = None) -> dict:
    """A titled article of `target_units` words (en) or characters (zh) as paragraphs of sentences.

    Returns {"title", "topic", "blocks": [("h2", heading) | ("p", [sentence, ...])]}.
    """
    en = lang == "en"
    topics = EN_TOPICS if en else ZH_TOPICS
    topic = topic or rng.choice(sorted(topics))
    vocab = en_vocab(rng, topic) if en else zh_vocab(rng, topic)
    # A few facts per document only: they carry no slots, so they are shared verbatim.
    facts = rng.sample(topics[topic]["F"], rng.randint(1, 3))
    sentences = _Deck(rng, (EN_SENTENCES if en else ZH_SENTENCES) + facts)
    openers = _Deck(rng, EN_OPENERS if en else ZH_OPENERS)
    quotes = _Deck(rng, EN_QUOTES if en else ZH_QUOTES)
    headings = _Deck(rng, topics[topic]["H"])
    unit_len = 18 if en else 32
    n_sentences = max(12, target_units // unit_len)
    n_paragraphs = max(6, min(rng.randint(6, 15), n_sentences // 3)) if target_units < 5000 else n_sentences // 4
    blocks: list = []
    quotes_left, headings_left = rng.randint(0, 2), rng.randint(0, 3)
    for i in range(n_paragraphs):
        if i and headings_left and rng.random() < 0.25:
            blocks.append(("h2", headings.draw()))
            headings_left -= 1
        count = max(2, round(n_sentences / n_paragraphs + rng.uniform(-1.5, 1.5)))
        paragraph = [_sentence(rng, sentences.draw(), vocab, openers, en) for _ in range(count)]
        if quotes_left and rng.random() < 0.2:
            quotes_left -= 1
            who = fill(rng, "{P}, a {R} from {T}," if en else "{C}的{R}{P}", vocab)
            quote = quotes.draw()
            paragraph.insert(rng.randint(0, len(paragraph)),
                             f'"{quote[:-1]}," said {who[:-1]}.' if en else f"{who}说：“{quote}”")
        blocks.append(("p", paragraph))
    title = fill(rng, rng.choice(EN_TITLES if en else ZH_TITLES), vocab)
    return {"title": title[0].upper() + title[1:], "topic": topic, "blocks": blocks}


def sentence(rng: random.Random, lang: str, topic: str) -> str:
    """One fresh sentence on `topic`, for planting small edits in near-duplicates."""
    en = lang == "en"
    vocab = en_vocab(rng, topic) if en else zh_vocab(rng, topic)
    text = fill(rng, rng.choice(EN_SENTENCES if en else ZH_SENTENCES), vocab)
    return text[0].upper() + text[1:]


def _sentence(rng: random.Random, template: str, vocab: dict, openers: _Deck, en: bool) -> str:
    text = fill(rng, template, vocab)
    if rng.random() < 0.2:
        keep_case = not en or template.startswith(("{P}", "I ")) or template[:1] in "{\""
        text = openers.draw() + (text if keep_case else text[0].lower() + text[1:])
        text = fill(rng, text, vocab)
    text = vary(rng, text, "en" if en else "zh")
    return text[0].upper() + text[1:]


def paragraph_text(blocks: list, lang: str) -> list[str]:
    """Blocks as the plain lines an extractor should return: headings and joined paragraphs."""
    joiner = " " if lang == "en" else ""
    return [b[1] if b[0] == "h2" else joiner.join(b[1]) for b in blocks]
