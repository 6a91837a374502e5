"""The whole bench on one scan: every form through the service, the normal-scan figures, the semi-real positives,
and the targets' PASS/FAIL checks. The CLI and the CI test both call `evaluate`."""

import time
from dataclasses import dataclass, field

import numpy as np

from bench.realct.anatomy import IN_BRAIN_LEVELS, SliceAnatomy, scan_anatomy, slice_levels
from bench.realct.forms import SEMI_REAL_FORMS, ExportForm
from bench.realct.normal_figures import scan_figures, slice_rows
from bench.realct.scan_input import RealScan
from bench.realct.semi_real import make_positives
from bench.realct.semi_real_eval import positive_answers, semi_real_figures
from bench.realct.serving import FormRun, run_form
from bench.realct.targets import normal_checks, semi_real_checks

SEED = 13
POSITIVES = 40  # 8 of each type
# The CI test's subset: every 6th slice (18 of 108) and 10 positives, all forms; about a minute on two cores.
CI_STEP = 6
CI_POSITIVES = 10


@dataclass
class BenchResult:
    report: dict
    runs: dict[str, FormRun] = field(default_factory=dict)
    rows: dict[str, list[dict]] = field(default_factory=dict)
    levels: list[str] = field(default_factory=list)

    @property
    def checks(self) -> list[dict]:
        return self.report["checks"]


def _anatomy(scan: RealScan, cache: dict, shape: tuple[int, int]) -> list[SliceAnatomy]:
    if shape not in cache:
        cache[shape] = scan_anatomy(scan.hu, scan.spacing_mm, shape)
    return cache[shape]


def semi_real_slices(levels: list[str], hu_rows: list[dict]) -> list[int]:
    """In-brain levels the served answer assessed (every slice counts as assessed where the answer does not say)."""
    return [i for i, level in enumerate(levels) if level in IN_BRAIN_LEVELS and hu_rows[i]["assessed"] is not False]


def evaluate(models, config, scan: RealScan, forms: tuple[ExportForm, ...], positives: int, seed: int = SEED):
    started = time.perf_counter()
    cache: dict = {}
    native = _anatomy(scan, cache, scan.hu.shape[1:])
    levels = slice_levels(np.array([a.intracranial_mm2 for a in native]))
    result = BenchResult({"normal": {}, "semi_real": {}, "checks": []}, levels=levels)
    for form in forms:
        run = run_form(models, config, scan, form)
        rows = slice_rows(run, _anatomy(scan, cache, run.masks.shape[1:]), levels, scan.slab_mm)
        result.runs[form.name], result.rows[form.name] = run, rows
        result.report["normal"][form.name] = scan_figures(run, rows) | {"slices_detail": rows}
    reference = result.rows[forms[0].name]
    candidates = semi_real_slices(levels, reference)
    semi_forms = [form for form in forms if form in SEMI_REAL_FORMS]
    if positives and candidates and semi_forms:
        rng = np.random.default_rng(seed)
        negatives = sorted(rng.choice(candidates, min(positives, len(candidates)), replace=False).tolist())
        pasted = make_positives(scan.hu, scan.spacing_mm, candidates, positives, seed)
        for form in semi_forms:
            start = time.perf_counter()
            rows = positive_answers(models, config, scan, pasted, form)
            scan_rows = result.rows[form.name]
            figures = semi_real_figures(rows, [scan_rows[i] for i in negatives], scan_rows, config.threshold)
            figures |= {"negative_slices": negatives, "positives_detail": rows}
            figures["seconds"] = round(time.perf_counter() - start, 2)
            result.report["semi_real"][form.name] = figures
    for name, figures in result.report["normal"].items():
        result.report["checks"] += [vars(c) | {"line": c.line} for c in normal_checks(figures)]
    for name, figures in result.report["semi_real"].items():
        result.report["checks"] += [vars(c) | {"line": c.line} for c in semi_real_checks(name, figures)]
    result.report["levels"] = levels
    result.report["seconds"] = round(time.perf_counter() - started, 1)
    return result


def ci_subset(scan: RealScan) -> RealScan:
    return scan.subset(list(range(0, len(scan.hu), CI_STEP)))


def ci_spec() -> dict:
    return {"slices": f"every {CI_STEP}th, from the first", "positives": CI_POSITIVES, "seed": SEED}
