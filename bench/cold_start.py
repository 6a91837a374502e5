"""Cold start (process start to /health/ready 200) and peak RSS of the CPU service, with and without TensorFlow.

`python -m bench.cold_start --cpu-python VENV/bin/python --before OLD_CHECKOUT --json out.json` starts each variant in
turn, `--runs` rounds interleaved so that background load touches every variant alike, and prints a Markdown table:

- cpu-image: the service under a Python environment without TensorFlow or Keras (as the CPU image installs it);
- no-tf: this checkout under this environment (TensorFlow installed, never imported on the OpenVINO path);
- tf-imported: another checkout (`--before`, one that configured TensorFlow before loading OpenVINO's models);
- tf-engine: this checkout with ICH_ENGINE=tensorflow.

Peak RSS is VmHWM after ready and again after `--requests` slice predictions. CPU seconds to ready (the process's
user + system time, all threads) depend far less on other work on the machine than the wall-clock cold start does.
"""

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

import httpx

from bench import inputs, server

ROOT = Path(__file__).resolve().parents[1]
SLICE_MATRIX = 512


def variants(args: argparse.Namespace) -> dict[str, dict]:
    chosen = {"no-tf": {}, "tf-engine": {"env": {"ICH_ENGINE": "tensorflow"}}}
    if args.cpu_python:
        chosen["cpu-image"] = {"python": str(args.cpu_python)}
    if args.before:
        chosen["tf-imported"] = {"root": args.before.resolve()}
    return chosen


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, all its threads (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_start(name: str, options: dict, store: Path, log_dir: Path, image: bytes, requests: int) -> dict:
    started = server.start("ours", store.resolve(), log_dir, **options)
    try:
        ready_rss, ready_cpu = started.peak_rss_mib(), cpu_seconds(started.process.pid)
        with httpx.Client(timeout=120) as client:
            info = client.get(f"{started.url}/v1/info").json()
            for _ in range(requests):
                answer = client.post(f"{started.url}/v1/predict", files={"image": ("s.png", image, "image/png")})
                answer.raise_for_status()
        runtime = info["runtime"]
        return {
            "variant": name,
            "cold_start_s": started.cold_start_s,
            "cpu_s_to_ready": ready_cpu,
            "peak_rss_ready_mib": ready_rss,
            "peak_rss_after_requests_mib": started.peak_rss_mib(),
            "engine": runtime.get("engine"),
            "tensorflow": runtime.get("tensorflow"),
            "precisions": runtime.get("precisions"),
        }
    finally:
        started.stop()


def summary(results: list[dict]) -> str:
    names = list(dict.fromkeys(r["variant"] for r in results))
    keys = ("cold_start_s", "cpu_s_to_ready", "peak_rss_ready_mib", "peak_rss_after_requests_mib")
    medians = {n: {k: statistics.median(r[k] for r in results if r["variant"] == n) for k in keys} for n in names}
    lines = [
        (
            "| variant | engine | TensorFlow | cold start s (median; runs) | CPU s to ready | peak RSS ready MiB"
            " | after requests MiB |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for name in names:
        runs = [r for r in results if r["variant"] == name]
        starts = ", ".join(f"{r['cold_start_s']:.1f}" for r in runs)
        m = medians[name]
        lines.append(
            f"| {name} | {runs[0]['engine']} | {runs[0]['tensorflow']} | {m['cold_start_s']:.1f} ({starts}) "
            f"| {m['cpu_s_to_ready']:.2f} "
            f"| {m['peak_rss_ready_mib']:.0f} | {m['peak_rss_after_requests_mib']:.0f} |"
        )
    base = "cpu-image" if "cpu-image" in medians else "no-tf"
    for name in names:
        if name != base:
            ratios = {k: medians[name][k] / medians[base][k] for k in keys}
            lines.append(f"\n{name} / {base}: " + ", ".join(f"{k} x{v:.2f}" for k, v in ratios.items()))
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "model_store")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=10, help="slice predictions before the second RSS reading")
    parser.add_argument("--cpu-python", type=Path, help="a Python whose environment lacks TensorFlow and Keras")
    parser.add_argument("--before", type=Path, help="a checkout that imported TensorFlow on the OpenVINO path")
    parser.add_argument("--variants", help="comma-separated subset of the variants above")
    parser.add_argument("--json", type=Path, help="also write every start's figures here")
    args = parser.parse_args(argv)
    image = inputs.png_slice(inputs.phantom_hu(0, SLICE_MATRIX))
    log_dir = Path(tempfile.mkdtemp(prefix="cold-start-logs-"))
    results = []
    chosen = variants(args)
    if args.variants:
        chosen = {name: chosen[name] for name in args.variants.split(",")}
    for _ in range(args.runs):
        for name, options in chosen.items():
            results.append(one_start(name, options, args.store, log_dir, image, args.requests))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(summary(results))


if __name__ == "__main__":
    main()
