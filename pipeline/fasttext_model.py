"""Opening a fastText model file someone named in a config, without trusting it.

fastText's loader reads whatever the file says it holds: a file that is not a model is an error
only when its stage starts, and a truncated model crashes the process (SIGSEGV, exit 139, no
message, and a manager process left behind). So preflight asks `problem()` first: the magic
number fastText writes at the start of every .bin/.ftz, the size its header and dictionary say
the file has, then a trial load and prediction in a child process, whose crash is reported
instead of suffered.
"""

from __future__ import annotations

import signal
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

FASTTEXT_MAGIC = 793712314  # int32, little-endian, the first 4 bytes of every fastText model file
_TRIAL_LOAD = "import sys, fasttext; fasttext.load_model(sys.argv[1]).predict('a trial line')"
# fastText's header: magic, version, then its Args (12 int32 and the sampling threshold, a double).
_HEADER = struct.Struct("<ii12id")
_DICT_COUNTS = struct.Struct("<iiiqq")  # words+labels, words, labels, tokens, pruned-index size


def expected_size(path: Path) -> int | None:
    """The size an unquantised model's header, dictionary and matrices say the file has; None for
    a quantised (.ftz) model, whose matrices are laid out otherwise. fastText's loader does not
    notice a file cut short: it reads zeros past the end, and predicting with that can crash."""
    with open(path, "rb") as f:
        f.read(_HEADER.size)
        size, _, _, _, pruned = _DICT_COUNTS.unpack(f.read(_DICT_COUNTS.size))
        for _ in range(size):  # entries: a NUL-terminated word, an int64 count, an int8 type
            while (byte := f.read(1)) not in (b"\0", b""):
                pass
            if not byte or len(f.read(9)) < 9:
                return -1  # cut short inside the dictionary
        f.read(8 * max(pruned, 0))
        offset = f.tell()
        for _ in range(2):  # the input matrix, then the output matrix
            quantised = f.read(1)
            if quantised != b"\0":
                return None if quantised else -1
            shape = f.read(16)
            if len(shape) < 16:
                return -1
            rows, cols = struct.unpack("<qq", shape)
            offset += 1 + 16 + 4 * rows * cols
            f.seek(offset)
    return offset


TRIAL_TIMEOUT_S = 300  # a large model takes a while to read


def problem(path: str | Path) -> str | None:
    """What is wrong with PATH as a fastText model, or None when fastText loads it."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(8)
    if len(head) < 8 or int.from_bytes(head[:4], "little") != FASTTEXT_MAGIC:
        return "is not a fastText model (it does not start with fastText's magic number)"
    try:
        expected = expected_size(path)
    except struct.error:
        expected = -1
    actual = path.stat().st_size
    if expected is not None and expected != actual:
        return (f"is truncated or damaged: its header describes {expected:,} bytes, the file has {actual:,}"
                if expected >= 0 else "is truncated or damaged: it ends before its model data does")
    try:
        trial = subprocess.run([sys.executable, "-c", _TRIAL_LOAD, str(path)], capture_output=True, text=True,
                               timeout=TRIAL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"did not load within {TRIAL_TIMEOUT_S} s"
    if trial.returncode < 0:
        name = signal.Signals(-trial.returncode).name
        return f"crashed fastText's loader ({name}): the file is truncated or damaged"
    if trial.returncode:
        last = (trial.stderr.strip().splitlines() or ["no message"])[-1]
        return f"could not be loaded by fastText: {last}"
    return None


def load(path: str | Path):
    """The model at PATH (checked by preflight with `problem()` before the run)."""
    import fasttext

    return fasttext.load_model(str(path))


class LazyModel:
    """A fastText model loaded on first use, in the process that uses it. Steps are pickled to
    their workers and Slurm jobs, and a loaded model does not pickle: each worker loads its own.

    PATH may be a function giving the path, so that finding it (lid.176 inside its package)
    also waits for the first use."""

    def __init__(self, path: str | Path | Callable[[], str | Path], missing: str = ""):
        self.path = path
        self.missing = missing  # the error when there is no file at PATH: a broken run, raised
        self._model = None

    def get(self):
        if self._model is None:
            path = self.path() if callable(self.path) else self.path
            if not Path(path).is_file():
                raise FileNotFoundError(self.missing or f"no fastText model at {path}")
            self._model = load(path)
        return self._model

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_model": None}
