"""Which bleed types does a classifier miss among the semi-real positives, and is it the real background or the
pasted bleed's shape? Scores one classifier of a store on:

- `real`: the bench's 40 semi-real positives (bleeds pasted into the real normal scan), as HU and through the bench's
  four 8-bit PNG windows: each type's sensitivity at the card's threshold, its median P, and the AUC of its positives
  against the scan's assessed normal slices (the threshold-free measure: runs' thresholds differ);
- `atlas_pasted`: the same builders (bench.realct.semi_real) pasting each type into atlas phantom normal slices
  (in-brain levels, never trained on: seeds far from training's), as HU;
- `atlas_own`: the atlas phantoms' own bleeds of one type alone, as HU.

python -m experiments.semi_real_by_type --version 36 [--store model_store] [--count 40] [--json FILE]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. 1-5 minutes on 2 cores.
"""

import json
from collections import defaultdict

import numpy as np

from bench.realct.semi_real import make_bleed, slice_maps
from core.model_store import resolve
from core.slice_assessment import assess_slice
from experiments.export_floor import EXPORTS, form_name, p_any, real_sets
from experiments.served_pair import study_arguments
from training.atlas.volume import generate_slice
from training.evaluate_store import CLASSIFIER, load_saved_model
from training.metrics import roc_auc
from training.phantoms.lesions import SUBTYPES

ATLAS_SEEDS = 20_000_000  # far from the seeds training draws its phantoms from
ATLAS_LEVELS = (0.35, 0.85)  # foramen magnum 0, vertex 1: where the bench pastes its bleeds


def by_type(subtypes: list[str], probabilities: np.ndarray, threshold: float, normal: np.ndarray | None = None) -> dict:
    """Per type: how many, the share at or over the threshold, the median P, and the AUC against `normal`."""
    out = {}
    for subtype in sorted(set(subtypes)):
        p = probabilities[np.array(subtypes) == subtype]
        out[subtype] = {
            "count": int(p.size),
            "sensitivity": round(float(np.mean(p >= threshold)), 3),
            "median_p": round(float(np.median(p)), 3),
        }
        if normal is not None:
            labels = np.r_[np.ones(p.size), np.zeros(normal.size)]
            out[subtype]["auc_against_normal"] = round(roc_auc(labels, np.r_[p, normal]), 3)
    return out


def atlas_slices(count: int, positive: bool):
    """`count` atlas slices the service would assess, at in-brain levels."""
    rng = np.random.default_rng(ATLAS_SEEDS)
    seed = ATLAS_SEEDS
    while count > 0:
        seed += 1
        record = generate_slice(seed, positive=positive, level=float(rng.uniform(*ATLAS_LEVELS)))
        if assess_slice(record.hu, record.spacing_mm[:2]).assessed:
            count -= 1
            yield record


def classifier_study(doc: str):
    """A study's arguments (--store, --count, --json, --version) and the classifier they name: (args, card, model)."""
    parser = study_arguments(doc, count=40, count_help="atlas slices for each atlas measure")
    parser.add_argument("--version", type=int, help="the classifier's version (default: the store's highest)")
    args = parser.parse_args()
    classifier = resolve(args.store, CLASSIFIER, args.version)
    return args, classifier.card, load_saved_model(classifier.path)


def main() -> None:
    args, card, classify = classifier_study(__doc__)

    def score(slices, export=None) -> np.ndarray:
        return p_any(classify, slices, export, card.input.confinement)

    report = {"classifier": card.version, "threshold": card.threshold, "real": {}}
    positives, assessed = real_sets()
    for export in EXPORTS:
        form = form_name(export)
        probabilities, normal = score([p.hu for p in positives], export), score(assessed, export)
        report["real"][form] = by_type([p.subtype for p in positives], probabilities, card.threshold, normal)
        print(form, json.dumps(report["real"][form]), flush=True)

    rng = np.random.default_rng(ATLAS_SEEDS)
    pasted = defaultdict(list)
    normal = []
    for record in atlas_slices(args.count, positive=False):
        spacing = record.spacing_mm[:2]
        maps = slice_maps(record.hu, spacing)
        normal.append(record.hu)
        for subtype in SUBTYPES:
            bleed = make_bleed(record.hu, spacing, maps, subtype, float(rng.uniform()), rng, 0)
            if bleed is not None:
                pasted[subtype].append(bleed.hu)
    subtypes = [s for s in SUBTYPES for _ in pasted[s]]
    report["atlas_pasted"] = by_type(subtypes, score([h for s in SUBTYPES for h in pasted[s]]), card.threshold)
    report["atlas_normal_flagged"] = round(float(np.mean(score(normal) >= card.threshold)), 3)
    print("atlas_pasted", json.dumps(report["atlas_pasted"]), "normal flagged", report["atlas_normal_flagged"])

    own = defaultdict(list)
    for record in atlas_slices(args.count * 4, positive=True):
        present = [s for s in SUBTYPES if record.labels[s]]
        if len(present) == 1 and len(own[present[0]]) < args.count:
            own[present[0]].append(record.hu)
    subtypes = [s for s in SUBTYPES for _ in own[s]]
    report["atlas_own"] = by_type(subtypes, score([h for s in SUBTYPES for h in own[s]]), card.threshold)
    print("atlas_own", json.dumps(report["atlas_own"]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
