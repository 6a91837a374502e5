"""`python -m bench.series_overlap`: the 40-slice 512x512 `/v1/series` case alone, decode-then-infer against
overlapped decoding (ICH_SERIES_PREFETCH_CHUNKS 0 and 2), one server per mode side by side in one run, requests
in rotating order so drift in background load hits every mode alike; plus the same slices as single requests over 16
connections, as `python -m bench` measures them. Inputs, server launch and client are bench's own."""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import inputs, load, server
from bench.measure import SERIES_CLIENTS, SERIES_SLICES
from bench.stats import spread

# Each mode is a server with these settings; chunks of 8 fill the pipeline sooner than the default 16.
MODES = {
    "sequential": {"ICH_SERIES_PREFETCH_CHUNKS": "0"},
    "overlapped": {"ICH_SERIES_PREFETCH_CHUNKS": "2"},
    "overlapped_chunk8": {"ICH_SERIES_PREFETCH_CHUNKS": "2", "ICH_SERIES_BATCH_SLICES": "8"},
}
STAGES = ("decode", "preprocess", "classify", "segment", "postprocess", "measure", "encode")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.series_overlap", description=__doc__)
    parser.add_argument("--store", type=Path, default=Path("model_store"), help="model store the servers load")
    parser.add_argument("--repeats", type=int, default=7, help="series requests per mode; figures are their median")
    parser.add_argument("--json", type=Path, help="also write every request's figures here")
    parser.add_argument(
        "--before",
        type=Path,
        metavar="DIR",
        help="also measure the server of another checkout, as mode 'before' (e.g. `git archive COMMIT app core | tar -x`)",
    )
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(f"[series {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def summary(samples: list[dict]) -> dict:
    """Median (min-max) wall seconds, and the median of each stage's milliseconds (busy time, summed over chunks)."""
    wall = spread([s["wall_s"] for s in samples])
    stages = {
        stage: spread([s["timings_ms"].get(stage, 0.0) for s in samples]).median
        for stage in STAGES
        if any(stage in s["timings_ms"] for s in samples)
    }
    return {"wall_s": {"median": wall.median, "min": wall.low, "max": wall.high, "n": wall.runs}, "stages_ms": stages}


def start_servers(store: Path, log_dir: Path, before: Path | None) -> dict[str, server.Server]:
    servers = {}
    try:
        if before is not None:
            servers["before"] = server.start("ours", store.resolve(), log_dir, root=before.resolve())
        for mode, env in MODES.items():
            servers[mode] = server.start("ours", store, log_dir, env)
    except BaseException:
        for target in servers.values():
            target.stop()
        raise
    return servers


def measure(
    dicom: list[bytes], png: list[bytes], store: Path, repeats: int, log_dir: Path, before: Path | None
) -> dict:
    servers = start_servers(store, log_dir, before)
    try:
        for target in servers.values():  # one-off costs (first batches, first series) are paid before timing
            load.burst(target.url, png[:8], 4)
            load.series(target.url, dicom)
        samples = {mode: [] for mode in servers}
        singles = []
        for repeat in range(repeats):
            modes = list(servers)[repeat % len(servers) :] + list(servers)[: repeat % len(servers)]
            for mode in modes:
                wall, status, timings = load.series(servers[mode].url, dicom)
                if status != 200:
                    raise RuntimeError(f"{mode} series answered {status}")
                samples[mode].append({"wall_s": wall, "timings_ms": timings})
            wall, result = load.burst(servers["overlapped"].url, png, SERIES_CLIENTS)
            if result.errors:
                raise RuntimeError(f"{result.errors} single-slice requests failed")
            singles.append(wall)
            log(
                f"repeat {repeat + 1}/{repeats}: " + ", ".join(f"{m} {samples[m][-1]['wall_s']:.2f} s" for m in servers)
            )
        rss = {mode: target.peak_rss_mib() for mode, target in servers.items()}
    finally:
        for target in servers.values():
            target.stop()
    figures = {mode: summary(runs) for mode, runs in samples.items()}
    single = spread(singles)
    figures["singles_16_clients"] = {"wall_s": {"median": single.median, "min": single.low, "max": single.high}}
    return {"figures": figures, "peak_rss_mib": rss, "samples": samples, "singles_s": singles}


def main(argv=None) -> None:
    args = parse_args(argv)
    log("building phantom inputs")
    png, dicom = inputs.series_inputs(SERIES_SLICES)
    started = {"utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), "load_average_1min": os.getloadavg()[0]}
    log_dir = Path(tempfile.mkdtemp(prefix="series-logs-"))
    result = measure(dicom, png, args.store, args.repeats, log_dir, args.before)
    result["meta"] = {**started, "load_average_1min_end": os.getloadavg()[0], "repeats": args.repeats}
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    print(
        json.dumps(
            {"meta": result["meta"], "figures": result["figures"], "peak_rss_mib": result["peak_rss_mib"]}, indent=1
        )
    )


if __name__ == "__main__":
    main()
