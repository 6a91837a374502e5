"""`python -m bench`: the service and the naive baseline, side by side on this machine; prints Markdown tables."""

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

from app.config import Settings
from app.serving.tf_setup import has_amx_bf16
from bench import inputs, measure, report
from core.cpuinfo import cpu_flags, cpu_model


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--store", type=Path, default=Path("model_store"), help="model store both servers load")
    parser.add_argument("--runs", type=int, default=3, help="repeats; every figure is their median, min and max")
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput window per concurrency level")
    parser.add_argument("--latency-requests", type=int, default=20, help="sequential requests per size, ours")
    parser.add_argument("--naive-latency-requests", type=int, default=10, help="the same for the slower baseline")
    parser.add_argument("--no-variant", action="store_true", help="skip the service at the other precision")
    parser.add_argument("--json", type=Path, help="also write every run's raw figures here")
    parser.add_argument("--report", type=Path, metavar="JSON", help="only re-render the tables from a --json file")
    return parser.parse_args(argv)


def machine() -> str:
    model = cpu_model()
    amx = "AMX bf16" if "amx_bf16" in cpu_flags() else "no AMX"
    libraries = f"TensorFlow {version('tensorflow')}, OpenVINO {version('openvino')}"
    return f"Machine: {model}, {os.cpu_count()} cores, {amx}, no GPU; {libraries}."


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def served_precision(settings: Settings, amx: bool) -> str:
    """What the service runs at with these settings (as bench.report.MODEL_PRECISIONS names it): bf16 needs AMX."""
    if amx and settings.cpu_bf16:
        return "bf16"
    return report.SEGMENTER_BF16 if amx and settings.cpu_bf16_segmenter else "fp32"


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.report:
        print(report_from(args.report))
        return
    settings = Settings(model_store=args.store)
    precision = served_precision(settings, has_amx_bf16())
    variant, variant_precision, variant_env = None, None, {}
    if not args.no_variant and has_amx_bf16():
        # Beside the served precision, fp32; or, where fp32 is served, the ResUNet alone in bf16 (ICH_CPU_BF16_SEGMENTER).
        variant_precision = "fp32" if precision != "fp32" else report.SEGMENTER_BF16
        variant = f"ours_{variant_precision}".replace("-", "_")
        all_fp32 = {"ICH_CPU_BF16": "false", "ICH_CPU_BF16_SEGMENTER": "false"}
        variant_env = all_fp32 if precision != "fp32" else {"ICH_CPU_BF16_SEGMENTER": "true"}
    log("building phantom inputs")
    png_512, dicom_512 = inputs.series_inputs(measure.SERIES_SLICES)
    data = measure.Inputs(inputs.png_slices(8, 256), png_512, dicom_512)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    plan = measure.Plan(
        args.store, log_dir, args.seconds, args.latency_requests, args.naive_latency_requests, variant, variant_env
    )
    runs = []
    for index in range(args.runs):
        log(f"run {index + 1}/{args.runs} (server logs in {log_dir})")
        runs.append(measure.one_run(data, plan))
    errors = {}
    for run in runs:
        for name, count in run.errors.items():
            errors[name] = errors.get(name, 0) + count
    meta = {
        "runs": args.runs,
        "machine": machine(),
        "precision": precision,
        "variant": variant,
        "variant_precision": variant_precision,
        "series_clients": measure.SERIES_CLIENTS,
        "errors": errors,
    }
    if args.json:  # the raw figures, before derivation, so --report can re-render them
        args.json.write_text(json.dumps({"meta": meta, "runs": [asdict(r) for r in runs]}, indent=1))
    print(render(runs, meta))


def render(runs: list[measure.Run], meta: dict) -> str:
    peaks = report.best_peaks(runs)
    for run in runs:
        report.derive(run, peaks, meta["precision"], meta["variant"], meta["variant_precision"])
    return report.markdown(report.summarise(runs), {**meta, "peaks": peaks, "engine": runs[0].engine})


def report_from(path: Path) -> str:
    saved = json.loads(path.read_text())
    return render([measure.Run(**run) for run in saved["runs"]], saved["meta"])


if __name__ == "__main__":
    main()
