"""`python -m bench.realct [SCAN]`: a real head CT through the served models as HU and as every export form, the
semi-real positives, PASS/FAIL per target; writes runs/realct/<time>/ (report.json, summary.md, montage.png,
profile.png). SCAN: a DICOM series folder, a NIfTI volume or a folder of PNG/JPEG slices; default: the InVesalius
scan in ../shared, else Debian's copy, fetched on first use (bench.realct.fetch_debian).
"""

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from app.config import Settings
from bench.realct import cards
from bench.realct.evaluate import CI_POSITIVES, POSITIVES, SEED, ci_spec, ci_subset, evaluate
from bench.realct.fetch_debian import fetch
from bench.realct.forms import FORMS, FORMS_BY_NAME, HU
from bench.realct.pictures import montage, profile
from bench.realct.scan_input import read_scan
from bench.realct.serving import served
from bench.realct.summary import summary_markdown
from core.raster import BRAIN_WINDOW_FORM, HU_FORM

SHARED_SCAN = Path("../shared/realct/invesalius_0051")
DOCS_PICTURES = Path("docs/realct")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.realct", description=__doc__)
    parser.add_argument("scan", type=Path, nargs="?", help="DICOM folder, NIfTI file or folder of images")
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--forms", default=",".join(f.name for f in FORMS), help="comma-separated; default: all")
    parser.add_argument("--positives", type=int, default=POSITIVES, help="semi-real positives (0: none)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--every", type=int, default=1, help="use every Nth slice only")
    parser.add_argument("--out", type=Path, default=Path("runs/realct"))
    parser.add_argument(
        "--record-cards",
        action="store_true",
        help="also run the CI subset and write both into the served models' cards; copy the pictures to docs/realct",
    )
    parser.add_argument("--render", type=Path, metavar="REPORT", help="only print the summary of a report.json")
    return parser.parse_args(argv)


def default_scan() -> Path:
    return SHARED_SCAN if SHARED_SCAN.is_dir() else fetch()


def meta(args, scan, models, config, command: str) -> dict:
    card = models.classifier_version.card
    return {
        "scan": scan.name,
        "source": scan.source,
        "shape": list(scan.hu.shape),
        "pixel_spacing_mm": list(scan.spacing_mm) if scan.spacing_mm else None,
        "slice_spacing_mm": scan.slice_spacing_mm,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "classifier_version": models.classifier_version.version,
        "segmenter_version": models.segmenter_version.version,
        "engine": models.engine,
        "threshold": config.threshold,
        "scan_rule": {form: card.scan_rule_for(form).describe() for form in (HU_FORM, BRAIN_WINDOW_FORM)},
        "cpus": os.cpu_count(),
        "load_average_1min_at_end": os.getloadavg()[0],
    }


def write_outputs(result, out: Path, scan) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(result.report, indent=1))
    (out / "summary.md").write_text(summary_markdown(result.report))
    first = next(iter(result.runs.values()))
    hu = scan.hu if first.masks.shape == scan.hu.shape else None
    if hu is not None:
        montage(hu, first.masks, result.rows[first.form.name], out / "montage.png")
    profile(result.rows, first.answer.threshold, out / "profile.png", scan.slice_spacing_mm)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        print(summary_markdown(json.loads(args.render.read_text())))
        return 0
    command = " ".join(["python -m bench.realct", *(argv if argv is not None else sys.argv[1:])])
    forms = tuple(FORMS_BY_NAME[name] for name in args.forms.split(","))
    source = args.scan or default_scan()
    models, config = served(Settings(model_store=args.store))
    scan = read_scan(source)
    if args.every > 1:
        scan = scan.subset(list(range(0, len(scan.hu), args.every)))
    result = evaluate(models, config, scan, forms, args.positives, args.seed)
    result.report["meta"] = meta(args, scan, models, config, command)
    out = args.out / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    write_outputs(result, out, scan)
    print(summary_markdown(result.report))
    print(f"written to {out}")
    if args.record_cards:
        record(args, models, config, scan, result, out, forms)
    return 0


def record(args, models, config, scan, result, out: Path, forms) -> None:
    if args.every != 1 or forms[0] is not HU:
        raise SystemExit("--record-cards needs the whole scan and every form, starting with hu")
    subset = evaluate(models, config, ci_subset(scan), forms, CI_POSITIVES, args.seed)
    provenance = {
        "scan": f"{scan.name}: real normal head CT (InVesalius sample CT 0051), evaluation only",
        "date": result.report["meta"]["date"],
        "command": result.report["meta"]["command"],
        "engine": models.engine,
        "threshold": config.threshold,
        "positives": args.positives,
        "seed": args.seed,
        "measures": "the service's answers, whose masks are given on flagged slices only (volumes, areas, Dice); "
        "real_normal_all_masks_ml: everything the segmenter outlined on assessed slices, withheld or not",
    }
    for model, version in (("classifier", models.classifier_version), ("segmenter", models.segmenter_version)):
        cards.record(version.path, model, provenance, result.report, subset.report, ci_spec())
    DOCS_PICTURES.mkdir(parents=True, exist_ok=True)
    for name in ("montage.png", "profile.png"):
        shutil.copyfile(out / name, DOCS_PICTURES / name)
    print(
        f"recorded in {models.classifier_version.path} and {models.segmenter_version.path}; pictures in {DOCS_PICTURES}"
    )


if __name__ == "__main__":
    sys.exit(main())
