"""`python -m training` with one setting the product does not offer, for a one-off candidate: the simulated file
exports restricted to some forms, 8-bit exports at one brain window or from other ranges of them, or other classifier
widths. Every other argument goes to training.cli unchanged.

python -m experiments.train_variant [--export-forms png8,jpeg8] [--export-window 40/80] [--brain-windows 15-65/50-250]
    [--classifier-widths 24,48,96,192,288] [--augment max_hu_offset=10,hu_scale_sigma=0.05] [--tversky-weight 0.6]
    -- TRAINING ARGS
Classifier v42: --export-forms png8,jpeg8 with v36's command (so every training slice an 8-bit export).
Classifier v43: --classifier-widths 24,48,96,192,288 with v36's command (1.5 times v36's widths).
Classifier v44: --export-window 40/80 with v36's command (every 8-bit export at 40/80: what a service that found
each export's window and re-read it as 40/80 would show, were it never wrong).
Classifier v45: --brain-windows 15-65/50-250 with v36's command (8-bit exports' brain windows from a wider range than
the shipped 20-60/60-200; subdural and bone windows as shipped).
Classifier v46: --augment hu_scale_sigma=0.05,max_hu_offset=10,max_noise_sigma=10 with v36's command (stronger
calibration and noise augmentation than training.augment's 0.02, 4 HU and 6 HU).
Classifier v50: --augment max_rotation_degrees=0,scale_range=1:1,max_shift_fraction=0,hu_scale_sigma=0,max_hu_offset=0,
window_center_jitter=0,window_width_jitter=0,max_noise_sigma=0 with v36's command (flips the only augmentation).
ResUNet v86: --tversky-weight 0.6 with ResUNet v85's command (`--loss tversky`, shipped weight 0.7).
"""

import argparse
import functools

from training import cli, fit, losses
from training.augment import Augmentation
from training.models.classifier import get_classifier
from training.scanner import export, export_render


def _restrict_exports(forms: list[str]) -> None:
    """Keep only `forms` among the simulated exports, in their shipped proportion. Edited in place, so the phantom
    workers (forked) and the card (training.scanner.card) see the same weights."""
    unknown = set(forms) - set(export.EXPORT_FORM_WEIGHTS)
    if unknown:
        raise SystemExit(f"unknown export forms {sorted(unknown)}; known: {sorted(export.EXPORT_FORM_WEIGHTS)}")
    kept = {form: export.EXPORT_FORM_WEIGHTS[form] for form in forms}
    total = sum(kept.values())
    export.EXPORT_FORM_WEIGHTS.clear()
    export.EXPORT_FORM_WEIGHTS.update({form: weight / total for form, weight in kept.items()})


def _span(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def _set_brain_windows(windows: str) -> None:
    """8-bit exports' brain windows drawn from `windows`, "C1-C2/W1-W2" (centres and widths uniform in those
    ranges). Edited in place, as `_restrict_exports` is, so the workers and the card see it."""
    centre, width = windows.split("/")
    export_render.WINDOW_RANGES["brain"] = (_span(centre), _span(width))


def _fix_export_window(window: str) -> None:
    """Every 8-bit export at the one brain window `window` ("C/W"): no subdural or bone windows."""
    _set_brain_windows(window)
    export_render.WINDOW_WEIGHTS.clear()
    export_render.WINDOW_WEIGHTS["brain"] = 1.0


def _set_augmentation(settings: str) -> None:
    """training.augment.Augmentation's numeric fields set from "name=value,..." (a range as low:high), the rest as
    shipped; the card records the augmentation the run used."""

    def number_or_range(value: str):
        return tuple(float(x) for x in value.split(":")) if ":" in value else float(value)

    values = {name: number_or_range(value) for name, value in (item.split("=") for item in settings.split(","))}
    cli.Augmentation = functools.partial(Augmentation, **values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export-forms", help="comma-separated forms of training.scanner.export to keep")
    parser.add_argument("--export-window", help="one brain window C/W for every 8-bit export, e.g. 40/80")
    parser.add_argument("--brain-windows", help="8-bit exports' brain-window ranges C1-C2/W1-W2, e.g. 15-65/50-250")
    parser.add_argument("--classifier-widths", help="comma-separated widths of training.models.classifier's blocks")
    parser.add_argument(
        "--augment", help="training.augment.Augmentation's numeric fields, name=value,... (range: low:high)"
    )
    parser.add_argument("--tversky-weight", type=float, help="--loss tversky's weight on false positives (0.5: Dice)")
    args, training_args = parser.parse_known_args()
    if args.export_forms:
        _restrict_exports(args.export_forms.split(","))
        print("export forms:", export.EXPORT_FORM_WEIGHTS, flush=True)
    if args.export_window:
        _fix_export_window(args.export_window)
    if args.brain_windows:
        _set_brain_windows(args.brain_windows)
    if args.export_window or args.brain_windows:
        print("export windows:", export_render.WINDOW_WEIGHTS, export_render.WINDOW_RANGES["brain"], flush=True)
    if args.classifier_widths:
        widths = tuple(int(w) for w in args.classifier_widths.split(","))
        fit.get_classifier = functools.partial(get_classifier, widths=widths)
        print("classifier widths:", widths, flush=True)
    if args.augment:
        _set_augmentation(args.augment)
        print("augmentation:", cli.Augmentation(), flush=True)
    if args.tversky_weight is not None:
        losses.TVERSKY_FALSE_POSITIVE_WEIGHT = args.tversky_weight  # read when the loss is traced
        print("Tversky weight on false positives:", args.tversky_weight, flush=True)
    cli.main([a for a in training_args if a != "--"])


if __name__ == "__main__":
    main()
