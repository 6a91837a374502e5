"""Measure a 40-slice 512x512 DICOM series over real HTTP, against 40 single-slice calls, for docs/inputs.md.

    python -m tests.app.measure_series_speed --store model_store [--repeats 3]

Phantom slices as DICOM, a real uvicorn on loopback; prints wall times and the service's own stage timings.
"""

import argparse
import statistics
import time
from pathlib import Path

import httpx
import numpy as np

from tests.app.dicom_files import series_bytes
from tests.live_server import live_server
from training.phantoms.generator import generate_phantom, phantom_seeds

SLICES, MATRIX, SEED = 40, 512, 77
TIMEOUT = httpx.Timeout(300.0)


def post_series(base: str, files: list[bytes]) -> tuple[float, dict]:
    parts = [("files", (f"{i}.dcm", data)) for i, data in enumerate(files)]
    started = time.perf_counter()
    response = httpx.post(f"{base}/v1/series", files=parts, timeout=TIMEOUT)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response.json()["timings_ms"]


def post_singles(base: str, files: list[bytes]) -> float:
    started = time.perf_counter()
    for data in files:
        httpx.post(f"{base}/v1/predict", files={"image": ("s.dcm", data)}, timeout=TIMEOUT).raise_for_status()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    hu = np.stack([generate_phantom(seed, matrix=MATRIX).hu for seed in phantom_seeds(SEED, SLICES)])
    files = series_bytes(hu)
    with live_server(args.store.resolve()) as base:
        post_series(base, files[:2])  # first request pays for graph tracing at new batch sizes
        runs = [post_series(base, files) for _ in range(args.repeats)]
        singles = post_singles(base, files)
    times = [elapsed for elapsed, _ in runs]
    print(
        f"/v1/series, {SLICES} x {MATRIX}x{MATRIX} DICOM: {', '.join(f'{t:.2f}' for t in times)} s "
        f"(median {statistics.median(times):.2f} s)"
    )
    print(f"stages of the median run (ms): {sorted(runs, key=lambda r: r[0])[len(runs) // 2][1]}")
    print(f"{SLICES} single /v1/predict calls, one after another: {singles:.2f} s")


if __name__ == "__main__":
    main()
