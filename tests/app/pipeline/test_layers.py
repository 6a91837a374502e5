"""The pipeline's folders import only downwards (docs/architecture.md); no FastAPI, settings or training in them."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PIPELINE = ROOT / "app" / "pipeline"
# folder -> the pipeline folders it may not import
NOT_BELOW = {
    "decode": ("infer", "postprocess", "encode", "flows"),
    "encode": ("decode", "infer", "postprocess", "flows"),
    "postprocess": ("infer", "flows"),
    "infer": ("flows",),
}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def pipeline_modules() -> list[Path]:
    return sorted(PIPELINE.rglob("*.py"))


def test_the_pipeline_is_found():
    assert len(pipeline_modules()) > 20


@pytest.mark.parametrize("path", pipeline_modules(), ids=lambda p: str(p.relative_to(PIPELINE)))
def test_no_fastapi_settings_or_training_in_the_pipeline(path):
    banned = [m for m in imports(path) if m.split(".")[0] in ("fastapi", "starlette", "training") or m == "app.config"]
    assert banned == []


@pytest.mark.parametrize("folder", sorted(NOT_BELOW))
def test_each_folder_imports_only_downwards(folder):
    upward = {
        f"{path.relative_to(PIPELINE)}: {module}"
        for path in (PIPELINE / folder).rglob("*.py")
        for module in imports(path)
        if any(module.startswith(f"app.pipeline.{other}") for other in NOT_BELOW[folder])
    }
    assert upward == set()


def test_settings_import_nothing_from_the_service():
    assert [m for m in imports(ROOT / "app" / "config.py") if m.startswith("app")] == []
