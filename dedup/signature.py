"""Stage 1 of both dedup passes: a signature per document, in datatrove's on-disk format.

`FastMinhashSignature` is datatrove's `MinhashDedupSignature` with the per-shingle Python
hashing replaced by numpy over all shingles at once (dedup/shingles.py), the tokenizer chosen
per document by its language, and the partition salt of dedup/scope.py. `ExactSignature`
writes a 125-bit hash of the normalised text as a one-bucket "signature" of two uint64, so
datatrove's bucket stage finds exact copies by the same sorted merge it uses for MinHash.

Both write `bucket_XXX/<rank>.minhash.sig` records (hashes..., doc index) that datatrove's
`MinhashDedupBuckets` reads, and leave the sorting and its checksum check to datatrove: the
unsorted files are handed to the parent's `run` as "existing signatures".
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
from datatrove.utils.typeshelper import StatHints

from dedup.scope import group_of, language_of
from dedup.shingles import EnglishWords, shingle_hashes
from dedup.survivor import DocInfoWriter

_PRIME61 = np.uint64((1 << 61) - 1)  # datatrove's readers stop at a hash >= this
_ROWS = 4096  # shingles per block: bounds the (shingles x hashes) matrix of a long document
_BATCH = 1024  # documents per write
_SPACES = re.compile(r"\s+")


def record_dtype(config: MinhashConfig) -> np.dtype:
    """One record of a bucket file: that bucket's hashes, then the document's index in its task."""
    word = "<u4" if config.hash_config.precision == 32 else "<u8"
    return np.dtype([("sig", word, (config.hashes_per_bucket,)), ("doc", "<u4")])


class _SignatureWriter(MinhashDedupSignature):
    """Shared writing: buffered records per bucket, then datatrove's sort-and-verify."""

    def __init__(self, output_folder, config: MinhashConfig, group_key: str | None = None):
        # The parent's word tokenizer is never used (ours is chosen per document). Hand it ours:
        # by language name datatrove would load spaCy, which Thresher does not depend on.
        super().__init__(output_folder, config, language=EnglishWords("en"))
        self.group_key = group_key

    def signature(self, doc) -> np.ndarray | None:
        raise NotImplementedError

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1):
        cfg = self.config
        dtype = record_dtype(cfg)
        buckets = [self.output_folder.open(f"bucket_{b:03d}/{rank:05d}.minhash.sig", mode="wb") for b in range(cfg.num_buckets)]
        info = DocInfoWriter(self.output_folder, rank)
        sigs, indices = [], []

        def flush():
            if not sigs:
                return
            block = np.stack(sigs).reshape(len(sigs), cfg.num_buckets, cfg.hashes_per_bucket)
            for b, out in enumerate(buckets):
                records = np.empty(len(sigs), dtype=dtype)
                records["sig"] = block[:, b, :]
                records["doc"] = indices
                out.write(records.tobytes())
            sigs.clear()
            indices.clear()

        with self.track_time():
            for index, doc in enumerate(data):
                self.stat_update(StatHints.total)
                info.write(doc, index)
                sig = self.signature(doc)
                if sig is None:
                    self.stat_update("no_shingles")  # empty text: nothing to compare, never a duplicate
                    continue
                sigs.append(sig)
                indices.append(index)
                if len(sigs) == _BATCH:
                    flush()
            flush()
            for out in buckets:
                out.close()
            info.close()
        # Sorting, checksums and the format stay datatrove's.
        self.skip_existing_sigs = True
        super().run(iter(()), rank, world_size)


class FastMinhashSignature(_SignatureWriter):
    """MinHash signatures with numpy hashing; the shingles are those of dedup/shingles.py."""

    name = "🎯 MinHash stage 1 (numpy)"

    def __init__(self, output_folder, config: MinhashConfig, group_key: str | None = None):
        super().__init__(output_folder, config, group_key)
        self._permutations = None

    @property
    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        """(a, b) of h -> a*h + b mod 2^64 per hash, a odd: a bijection of the 64-bit hashes."""
        if self._permutations is None:
            gen = np.random.RandomState(self.config.seed)
            a = gen.randint(0, 2**63, size=self.num_hashes, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
            b = gen.randint(0, 2**63, size=self.num_hashes, dtype=np.uint64)
            self._permutations = (a, b)
        return self._permutations

    def min_hashes(self, shingles: np.ndarray) -> np.ndarray:
        """The minimum of each permuted hash over SHINGLES, in the config's precision."""
        a, b = self.permutations
        low = np.full(self.num_hashes, np.iinfo(np.uint64).max, dtype=np.uint64)
        for start in range(0, len(shingles), _ROWS):
            block = shingles[start : start + _ROWS, None] * a + b
            np.minimum(low, block.min(axis=0), out=low)
        if self.config.hash_config.precision == 32:
            return (low >> np.uint64(32)).astype(np.uint32)
        return np.minimum(low >> np.uint64(3), _PRIME61 - np.uint64(1))

    def signature(self, doc) -> np.ndarray | None:
        lang = language_of(doc)
        shingles = shingle_hashes(doc.text, lang, self.config.n_grams, group_of(doc, self.group_key))
        return self.min_hashes(shingles) if len(shingles) else None


def normalise_exact(text: str) -> str:
    """What must match for two texts to be exact copies: NFKC, case and spacing aside."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def exact_hash(text: str, salt: str = "") -> tuple[int, int]:
    """125 bits of BLAKE2b of the normalised text: 2^-62 odds of a false match per 2^31 pairs."""
    digest = hashlib.blake2b(f"{salt}\x00{normalise_exact(text)}".encode("utf-8"), digest_size=16).digest()
    hi = int.from_bytes(digest[:8], "little") >> 3  # below 2^61 - 1, where datatrove's reader stops
    return hi, int.from_bytes(digest[8:], "little")


def exact_config(seed: int) -> MinhashConfig:
    """One bucket whose signature is the two words of the exact hash."""
    return MinhashConfig(n_grams=1, num_buckets=1, hashes_per_bucket=2, seed=seed)


class ExactSignature(_SignatureWriter):
    name = "🟰 exact signature"

    def signature(self, doc) -> np.ndarray | None:
        if not doc.text.strip():
            return None
        return np.array(exact_hash(doc.text, group_of(doc, self.group_key)), dtype=np.uint64)
