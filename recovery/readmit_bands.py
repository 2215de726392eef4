"""The readmit gate's search: which candidates share an LSH band with a kept document, and how
similar each such pair is — on the MinHash signatures dedup already computed.

Four jobs per language, none holding the corpus:

1. `readmit_signatures` (run.tasks tasks): the candidates' signatures, made exactly as dedup
   made the kept set's (same shingles, seed, banding and partition salt), in the same
   `bucket_BBB/<rank>.minhash.sig` files, with their docinfo lines (dedup/signature.py).
2. `readmit_collisions` (run.tasks tasks, task t takes the bands b with b mod tasks = t): for
   band b, the candidates' records of that band are held sorted by a fingerprint of their
   hashes (8 + 8 bytes a candidate), and every kept document's record of band b is streamed
   past them in blocks. Equal fingerprints are collisions: `<b>.kept` pairs (candidate file, doc, kept file,
   doc) and `<b>.cand` pairs between candidates (each to the first of its group).
3. `readmit_verify` (run.tasks tasks, task t takes the kept files f with f mod tasks = t): the
   estimated Jaccard of every colliding pair from the two whole signatures (dedup/verify.py),
   loading the signatures of colliding documents only (num_buckets x hashes_per_bucket x 8
   bytes each: 1.5 KB at 24 x 8). It writes, per candidate, its highest similarity to a kept
   document of its files, and the pairs of candidates at or over the gate.
4. `readmit_decide` (one task, over those lines only): which colliding candidates come back
   (`DecideReadmissions`).

The kept set is what entered dedup's MinHash pass: what dedup kept, and the copies it removed,
which are near copies of what it kept. A candidate like either brings nothing new. With
`dedup.engine: datasketch` dedup writes no signatures; the recovery stage signs the kept set
itself with the same step.

A fingerprint collision between different hash tuples (odds 2^-64 a pair) only costs a
verification that the estimate then turns down.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolder, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup.minhash import MinhashConfig

from dedup.signature import record_dtype
from dedup.survivor import read_facts
from dedup.verify import band_records, estimated_jaccard, load_signatures
from pipeline.stage_io import StageReader

PAIR = np.dtype([("a_file", "<u4"), ("a_doc", "<u4"), ("b_file", "<u4"), ("b_doc", "<u4")])
_ODD = np.random.default_rng(0x5EED).integers(0, 2**63, size=64, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


class CandidateReader(StageReader):
    """The candidates of one language; silent when no mechanism found any (the usual case).
    With LANGUAGE, a document without a `language` field gets it (the signature step needs it)."""

    def __init__(self, folder: str, language: str | None = None):
        super().__init__(folder)
        self.language = language

    def read_file(self, filepath: str):
        for doc in super().read_file(filepath):
            if self.language:
                doc.metadata.setdefault("language", self.language)
            yield doc

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if not self.data_folder.isdir("") or not self.data_folder.list_files(glob_pattern=self.glob_pattern):
            return
        yield from super().run(data, rank, world_size)


def fingerprints(sig: np.ndarray) -> np.ndarray:
    """One uint64 per record for its band's hashes: a weighted sum, then mixed."""
    h = np.zeros(len(sig), dtype=np.uint64)
    for j in range(sig.shape[1]):
        h += sig[:, j].astype(np.uint64) * _ODD[j % len(_ODD)]
    h ^= h >> np.uint64(31)
    return h * _ODD[-1]


class BandCollisions(PipelineStep):
    """Per band: candidate x kept and candidate x candidate pairs with equal band hashes."""

    type = "♻️ - RECOVER"
    name = "readmit_collisions"

    def __init__(self, candidate_signatures: str, kept_signatures: str, output_folder: str, config: MinhashConfig):
        super().__init__()
        self.candidate_signatures = candidate_signatures
        self.kept_signatures = kept_signatures
        self.output_folder = output_folder
        self.config = config

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        dtype = record_dtype(self.config)
        cand_folder, kept_folder = get_datafolder(self.candidate_signatures), get_datafolder(self.kept_signatures)
        out = Path(self.output_folder)
        out.mkdir(parents=True, exist_ok=True)
        for band in range(rank, self.config.num_buckets, world_size):
            blocks = [(f, r) for f, r in band_records(cand_folder, band, dtype)]
            files = np.concatenate([np.full(len(r), f, dtype=np.uint32) for f, r in blocks] or [np.empty(0, np.uint32)])
            docs = np.concatenate([r["doc"] for _, r in blocks] or [np.empty(0, np.uint32)])
            fps = np.concatenate([fingerprints(r["sig"]) for _, r in blocks] or [np.empty(0, np.uint64)])
            order = np.argsort(fps, kind="stable")
            files, docs, fps = files[order], docs[order], fps[order]
            self._write(out / f"{band:03d}.cand", self._within(files, docs, fps))
            if len(fps) and not kept_folder.isdir(f"bucket_{band:03d}"):
                raise FileNotFoundError(f"{kept_folder.path}: the kept set's MinHash signatures are missing; delete the run "
                                        "folder's dedup/ and recovery/ folders and run the same command again")
            with open(out / f"{band:03d}.kept", "wb") as f:
                if len(fps):  # no candidates (the usual case): nothing to stream the kept set past
                    for kept_file, records in band_records(kept_folder, band, dtype):
                        pairs = self._across(files, docs, fps, kept_file, records)
                        self.stat_update("kept_collisions", value=len(pairs))
                        f.write(pairs.tobytes())
        return
        yield

    @staticmethod
    def _within(files, docs, fps) -> np.ndarray:
        """Pairs inside each group of candidates with equal fingerprints: each member with the
        group's first and with the member before it. All pairs of a group would be quadratic
        (a spam page copied 10,000 times); a pair of this band missed here is still found in
        any other band the two share, and exact copies share every band."""
        first = np.searchsorted(fps, fps, side="left")
        later = np.nonzero(first != np.arange(len(fps)))[0]
        previous = later[first[later] != later - 1]  # (the first is the one before the second)
        a = np.concatenate([first[later], previous - 1])
        b = np.concatenate([later, previous])
        pairs = np.empty(len(a), dtype=PAIR)
        pairs["a_file"], pairs["a_doc"] = files[a], docs[a]
        pairs["b_file"], pairs["b_doc"] = files[b], docs[b]
        return pairs

    @staticmethod
    def _across(files, docs, fps, kept_file: int, records) -> np.ndarray:
        kept_fps = fingerprints(records["sig"])
        lo, hi = np.searchsorted(fps, kept_fps, "left"), np.searchsorted(fps, kept_fps, "right")
        n = hi - lo
        rows = np.repeat(np.arange(len(kept_fps)), n)
        cand = np.repeat(lo, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
        pairs = np.empty(len(rows), dtype=PAIR)
        pairs["a_file"], pairs["a_doc"] = files[cand], docs[cand]
        pairs["b_file"], pairs["b_doc"] = kept_file, records["doc"][rows]
        return pairs

    def _write(self, path: Path, pairs: np.ndarray) -> None:
        self.stat_update("candidate_collisions", value=len(pairs))
        path.write_bytes(pairs.tobytes())


def read_pairs(folder: Path, suffix: str, keep) -> np.ndarray:
    """Every band's pairs of one kind that KEEP (a function of the pair array) selects, each
    pair once (a pair may collide in several bands); a task holds only its share."""
    found = []
    for path in sorted(folder.glob(f"*.{suffix}")):
        pairs = np.fromfile(path, dtype=PAIR)
        found.append(np.unique(pairs[keep(pairs)]))
    return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=PAIR)


def _wanted(files: np.ndarray, docs: np.ndarray) -> dict[int, set[int]]:
    wanted: dict[int, set[int]] = defaultdict(set)
    for f, d in zip(files.tolist(), docs.tolist()):
        wanted[f].add(d)
    return wanted


def _ids(folder: DataFolder, wanted: dict[int, set[int]]) -> dict[tuple[int, int], str]:
    return {(f, index): doc_id for f, docs in wanted.items() for index, _, doc_id in read_facts(folder, f, docs)}


class VerifyCollisions(PipelineStep):
    """The colliding pairs of this task's kept files, measured: verdict lines per candidate."""

    type = "♻️ - RECOVER"
    name = "readmit_verify"

    def __init__(self, pairs_folder: str, candidate_signatures: str, kept_signatures: str, output_folder: str,
                 config: MinhashConfig, max_jaccard: float):
        super().__init__()
        self.pairs_folder = pairs_folder
        self.candidate_signatures = candidate_signatures
        self.kept_signatures = kept_signatures
        self.output_folder = output_folder
        self.config = config
        self.max_jaccard = max_jaccard

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        pairs_dir = Path(self.pairs_folder)
        kept = read_pairs(pairs_dir, "kept", lambda p: p["b_file"] % world_size == rank)
        among = read_pairs(pairs_dir, "cand", lambda p: p["a_file"] % world_size == rank)
        cand_folder, kept_folder = get_datafolder(self.candidate_signatures), get_datafolder(self.kept_signatures)
        cand_wanted = _wanted(np.concatenate([kept["a_file"], among["a_file"], among["b_file"]]),
                              np.concatenate([kept["a_doc"], among["a_doc"], among["b_doc"]]))
        kept_wanted = _wanted(kept["b_file"], kept["b_doc"])
        cand_sigs = load_signatures(cand_folder, self.config, cand_wanted)
        kept_sigs = load_signatures(kept_folder, self.config, kept_wanted)
        cand_ids, kept_ids = _ids(cand_folder, cand_wanted), _ids(kept_folder, kept_wanted)

        best: dict[tuple[int, int], tuple[float, str]] = {}
        for p in kept.tolist():
            a, b = (p[0], p[1]), (p[2], p[3])
            similarity = estimated_jaccard(cand_sigs[a], kept_sigs[b])
            if a not in best or (-similarity, kept_ids[b]) < (-best[a][0], best[a][1]):
                best[a] = (similarity, kept_ids[b])
        self.stat_update("pairs_measured", value=len(kept) + len(among))
        # This task's best kept document per candidate; another task may hold a closer one in
        # its files, and readmit_decide takes the highest of them.
        verdicts = [{"file": a[0], "doc": a[1], "similarity": s, "kept_id": i} for a, (s, i) in sorted(best.items())]
        for p in among.tolist():
            a, b = (p[0], p[1]), (p[2], p[3])
            similarity = estimated_jaccard(cand_sigs[a], cand_sigs[b])
            if similarity >= self.max_jaccard:
                verdicts.append({"a": [*a, cand_ids[a]], "b": [*b, cand_ids[b]], "similarity": similarity})
        out = Path(self.output_folder)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{rank:05d}.jsonl").write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in verdicts))
        return
        yield


DECISIONS = "decisions.jsonl"


class DecideReadmissions(PipelineStep):
    """One task over the verify job's lines (one per candidate that collided with anything):
    which of those candidates come back. A candidate stays out when its highest similarity to a
    kept document reaches the gate; the others are admitted greedily in (id, task, index) order,
    each unless it copies a candidate admitted before it — so of A ~ B ~ C with A unlike C, A
    and C come back, and a candidate is never kept out for copying one that was itself kept
    out. Holds the colliding candidates and their pairs only (~200 bytes each)."""

    type = "♻️ - RECOVER"
    name = "readmit_decide"

    def __init__(self, verdicts_folder: str, output_folder: str, max_jaccard: float):
        super().__init__()
        self.verdicts_folder = verdicts_folder
        self.output_folder = output_folder
        self.max_jaccard = max_jaccard

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        best: dict[tuple[int, int], tuple[float, str]] = {}
        ids: dict[tuple[int, int], str] = {}
        links: dict[tuple[int, int], list[tuple[tuple[int, int], float]]] = defaultdict(list)
        for path in sorted(Path(self.verdicts_folder).glob("*.jsonl")):
            with open(path) as f:
                for line in f:
                    v = json.loads(line)
                    if "kept_id" in v:
                        node, similarity = (v["file"], v["doc"]), v["similarity"]
                        if node not in best or (-similarity, v["kept_id"]) < (-best[node][0], best[node][1]):
                            best[node] = (similarity, v["kept_id"])
                        continue
                    a, b = (v["a"][0], v["a"][1]), (v["b"][0], v["b"][1])
                    ids[a], ids[b] = v["a"][2], v["b"][2]
                    links[a].append((b, v["similarity"]))
                    links[b].append((a, v["similarity"]))
        admitted: set[tuple[int, int]] = set()
        lines = []
        for node in sorted(set(best) | set(links), key=lambda n: (ids.get(n, ""), n)):
            similarity, kept_id = best.get(node, (0.0, None))
            decision = {"file": node[0], "doc": node[1], "max_jaccard_to_kept": round(similarity, 4), "kept_id": kept_id}
            copied = [(other, s) for other, s in links.get(node, ()) if other in admitted]
            if similarity >= self.max_jaccard:
                decision["admit"] = False
            elif copied:
                other, s = min(copied, key=lambda c: (-c[1], ids[c[0]], c[0]))  # the closest; ties by id
                decision.update(admit=False, copies_candidate=ids[other], similarity=round(s, 4))
            else:
                decision["admit"] = True
                admitted.add(node)
            lines.append(decision)
        out = Path(self.output_folder)
        out.mkdir(parents=True, exist_ok=True)
        (out / DECISIONS).write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in lines))
        return
        yield


def read_decisions(folder: Path, file_id: int) -> dict[int, dict]:
    """Candidate index -> its decision line, for the candidates of signature file FILE_ID; a
    candidate without one collided with nothing and comes back."""
    found = {}
    path = folder / DECISIONS
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the readmit_decide job has not run")
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if d["file"] == file_id:
                found[d["doc"]] = d
    return found
