"""Forward pass alone, per configuration: what the engine, bf16, XLA and the batch size buy, without HTTP or the pipeline.

`python -m bench.forward --store model_store` runs each configuration in its own process (these options are fixed
per process) and prints ms per slice for both models together, median (min–max) of several timed calls.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from app.config import Settings
from app.serving.loading import choose_engine
from app.serving.tf_setup import configure_tensorflow
from bench.floor import forward_pass

# Service settings per configuration; "tf" is TensorFlow's own runtime, "ov" OpenVINO (the CPU default).
CONFIGS = {
    "ov-fp32": {"engine": "openvino", "cpu_bf16_segmenter": False},
    "ov-bf16": {"engine": "openvino", "cpu_bf16": True},
    "ov-bf16-segmenter": {"engine": "openvino", "cpu_bf16_segmenter": True},
    "tf-fp32": {"engine": "tensorflow"},
    "tf-bf16": {"engine": "tensorflow", "cpu_bf16": True},
    "tf-fp32+xla": {"engine": "tensorflow", "xla": True},
    "tf-bf16+xla": {"engine": "tensorflow", "cpu_bf16": True, "xla": True},
}
BATCHES = (1, 4, 8, 16)
REPEATS = 5


def measure(store: Path, options: dict, batches: tuple[int, ...], repeats: int) -> dict:
    settings = Settings(model_store=store, **options)
    setup = configure_tensorflow(settings.tf_options)  # before the loader, which would otherwise apply the defaults
    engine = choose_engine(settings.engine, setup.device)
    timings = forward_pass(store, batches=batches, rounds=repeats, **options)
    return {"setup": setup.as_dict() | {"engine": engine}, "ms_per_slice": timings}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.forward", description=__doc__)
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--batches", default=",".join(map(str, BATCHES)))
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one configuration in this process
    args = parser.parse_args(argv)
    batches = tuple(int(b) for b in args.batches.split(","))
    if args.one:
        print(json.dumps(measure(args.store, CONFIGS[args.one], batches, args.repeats)))
        return
    print("| config | " + " | ".join(f"batch {b} (ms/slice)" for b in batches) + " | first call at each batch (ms) |")
    print("| --- " * (len(batches) + 2) + "|")
    for name in args.configs.split(","):
        command = [
            sys.executable,
            "-m",
            "bench.forward",
            "--store",
            str(args.store),
            "--batches",
            args.batches,
            "--repeats",
            str(args.repeats),
            "--one",
            name,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"| {name} | failed: {done.stderr.strip().splitlines()[-1]} |")
            continue
        timings = json.loads(done.stdout.strip().splitlines()[-1])["ms_per_slice"]
        cells = [f"{t['median_ms']:.1f} ({t['min_ms']:.1f}–{t['max_ms']:.1f})" for t in timings.values()]
        first = ", ".join(f"{t['first_call_ms']:.0f}" for t in timings.values())
        print(f"| {name} | " + " | ".join(cells) + f" | {first} |")


if __name__ == "__main__":
    main()
