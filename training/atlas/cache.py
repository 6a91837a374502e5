"""The packed head variants, built once per machine and memory-mapped from disk after that, so that
every generator process shares one copy and none waits for the build again."""

import hashlib
import os
from functools import cache
from pathlib import Path

import numpy as np

from training.atlas import cormack, frontal, template, tissues

CACHE_DIR = Path.home() / ".cache" / "ich-atlas"
# A change to any of these rebuilds the variants.
SOURCES = (cormack, frontal, template, tissues)


def _key() -> str:
    digest = hashlib.sha256()
    for module in SOURCES:
        digest.update(Path(module.__file__).read_bytes())
    for path in sorted(template.DATA.glob("*.nii.gz")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@cache
def variant(index: int, cache_dir: Path = CACHE_DIR) -> np.ndarray:
    """tissues.build_variant(index), from the disk cache when it is there."""
    path = Path(cache_dir) / f"variant{index}-{_key()}.npy"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        try:
            with partial.open("wb") as handle:
                np.save(handle, tissues.build_variant(index))
            os.replace(partial, path)  # atomic: a concurrent reader never sees half a file
        finally:
            partial.unlink(missing_ok=True)
    return np.load(path, mmap_mode="r")
