"""The shipped model store stays small enough to clone and bake into images: under 40 MB (decimal), as the project's
standard says. Adding a model version means retiring one when this fails."""

from pathlib import Path

STORE = Path(__file__).resolve().parents[2] / "model_store"
LIMIT_BYTES = 40_000_000


def test_the_model_store_is_under_40_mb():
    files = [p for p in STORE.rglob("*") if p.is_file()]
    assert files, "no model store"
    assert sum(p.stat().st_size for p in files) < LIMIT_BYTES
