"""The reading page: its static files, and the decoding that gives it the pixels the models saw."""

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_PATH = "/viewer"
ASSET_PREFIX = "/viewer/static/"
ASSETS = {path.name: path for path in STATIC_DIR.iterdir() if path.suffix in {".js", ".css", ".svg"}}
# The page and its assets hold no data: they load without the API key, which the page then asks for.
PAGE_PATHS = frozenset({PAGE_PATH, *(ASSET_PREFIX + name for name in ASSETS)})
