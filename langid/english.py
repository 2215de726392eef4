"""A second opinion on "English" for Latin-script text that lid.176 is unsure about.

The compressed lid.176 model gives many short English texts (titles, citations, terse notes) an
English score of 0.4-0.65, below FineWeb's 0.65, and gives texts in Afrikaans, Maori and other
Latin-script languages English scores of 0.65-0.9. Three cheap kinds of evidence separate them
(measured on one half of the lingua sentences, see bench/lid_accuracy.py, which reports both halves):

- function words: English closed-class words against those of other Latin-script languages;
- how many words the model, asked word by word, calls English (titles have no function words but
  every word of "International Trade Centre" is English);
- letters outside ASCII (macrons, ŉ, ß): English prose has next to none.

Only texts whose top label is en with a score in [RESCUE_MIN_SCORE, SURE_SCORE) are looked at, so
pages the model is sure about cost nothing extra.
"""

from __future__ import annotations

import re

from langid import scripts

# Below this English score the model's en is too weak to rescue; at or above SURE_SCORE its
# verdict stands without a second opinion. Both tuned on the lingua dev half (bench/lid_accuracy.py).
RESCUE_MIN_SCORE = 0.4
SURE_SCORE = 0.9
# Share of words that lid.176, asked word by word, calls English: at or above RESCUE_VOTE a weak en
# is rescued; below DOUBT_VOTE an en under SURE_SCORE is refused.
RESCUE_VOTE = 0.8
DOUBT_VOTE = 0.7
# Share of letters outside ASCII above which an en under SURE_SCORE is refused.
MAX_NON_ASCII = 0.02
# Fewer words than this give no evidence; the model alone decides.
MIN_WORDS = 3
# Word-by-word votes look at most this many words, spread evenly over the text.
MAX_VOTE_WORDS = 200

# English closed-class words, including those other languages share ("in", "is", "was").
EN_FUNCTION_WORDS = frozenset("""
the and that with this from which would should could were been being have has had having
they their them there these those what when where who whom whose why how than then
about into through over after before because while only very just more most some any each
every other such our ours your yours you she him its it's i'm i've i'd you're we're they're
don't doesn't didn't can't won't isn't aren't wasn't weren't hasn't haven't wouldn't couldn't
shouldn't all can must shall might upon between without within against during until since
both either neither whether though although yet now out up down off too own same
be are or not but if his by it us one many much
of in is was to on as at for my an so no do me we her will also under may here a he i
""".split())

# Frequent function words of Latin-script languages lid.176 confuses with English (Afrikaans,
# Dutch, German, Maori, Tagalog, Swahili, Yoruba, Somali, Sotho/Tswana, Tsonga, Ganda, Welsh,
# Irish, Latin, Romance, Scandinavian, Finnish, Romanian, Slavic). None is an English word.
OTHER_FUNCTION_WORDS = frozenset("""
die nie het ek jy daar wat vir ons hulle hy van 'n ŉ met om sy nog ook maar baie word
een niet zijn wordt voor dat naar deze bij uit ze er
der und nicht ist ein eine einen mit für auch sich dem den des wird sind wie auf
te ngā ka ki kei nei ko nō nā kua hoki ia rātou tōna tana kia ai atu mai ngaa
ang ng mga sa ay na si ni siya ito noong bilang kay ako
wa ya kwa za katika kuwa hii huo
ti ati awon won je ile
waa oo ku iyo ayaa wuxuu waxaa
le ba ho ke go ne
hi eka leswi
mu nti era oba
yr ac yn ei ar gyda mae
agus ag
et est ad non cum qui quae quod sunt
el la els les del que amb per una
los las por con para como pero más se lo al
os das dos não uma em com pelo pela
il di che della delle dei gli sono nel
des du une pour dans pas sur avec
och att är inte som av för på
og ikke er til
ja ei ole että
și cu pe pentru este din
od do da
""".split()) - EN_FUNCTION_WORDS

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# Han, kana and Hangul: another script's text, which the langid router weighs by script
# (paragraph shares). Left in, each character would count as a non-ASCII letter and each run as
# a non-English word, and a bilingual page's English would be refused for its Chinese.
_CJK_SCRIPTS = re.compile(f"[{scripts.HANGUL}{scripts.KANA}{scripts.HAN}]+")
_NON_ASCII_LETTER = re.compile(r"[^\W\d_\x00-\x7f]")


def words(text: str) -> list[str]:
    """Lower-cased words, apostrophes kept: "Don’t stop" -> ["don't", "stop"]."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def function_word_shares(tokens: list[str]) -> tuple[float, float]:
    """(share of English function words, share of other languages' function words)."""
    if not tokens:
        return 0.0, 0.0
    en = sum(t in EN_FUNCTION_WORDS for t in tokens)
    other = sum(t in OTHER_FUNCTION_WORDS for t in tokens)
    return en / len(tokens), other / len(tokens)


def non_ascii_share(text: str) -> float:
    """Share of letters outside ASCII: "naïve café" -> 2/9."""
    if text.isascii():
        return 0.0
    letters = sum(map(str.isalpha, text))
    return len(_NON_ASCII_LETTER.findall(text)) / letters if letters else 0.0


def english_vote(model, tokens: list[str]) -> float:
    """Share of words (2+ letters, at most MAX_VOTE_WORDS spread evenly) lid.176 calls en alone."""
    tokens = [t for t in tokens if len(t) > 1]
    if len(tokens) > MAX_VOTE_WORDS:
        step = len(tokens) / MAX_VOTE_WORDS
        tokens = [tokens[int(i * step)] for i in range(MAX_VOTE_WORDS)]
    if not tokens:
        return 0.0
    labels, _ = model.predict(tokens, k=1)
    return sum(1 for label in labels if label and label[0] == "__label__en") / len(tokens)


def english_verdict(model, text: str, en_score: float) -> str | None:
    """"rescued" (English despite a low score), "refused" (not English despite the label) or None.

    `text` is the one-line sample lid.176 saw and `en_score` its en score as top label. Han,
    kana and Hangul are set aside: the opinion is on the page's Latin-script text.
    """
    if not RESCUE_MIN_SCORE <= en_score < SURE_SCORE:
        return None
    text = _CJK_SCRIPTS.sub(" ", text)  # the evidence is about the Latin-script part
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    en, other = function_word_shares(tokens)
    if other > en or non_ascii_share(text) > MAX_NON_ASCII:
        return "refused"
    vote = english_vote(model, tokens)
    if vote >= RESCUE_VOTE:
        return "rescued"
    if vote < DOUBT_VOTE:
        return "refused"
    return None
