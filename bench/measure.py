"""One benchmark run: start the servers, measure each figure once, stop them. `python -m bench` repeats this."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench import load, server
from bench.floor import matmul_flops
from bench.stats import percentile

CONCURRENCY = (1, 4, 8, 16)
SERIES_SLICES = 40
SERIES_CLIENTS = 16  # a scanner pushing slice by slice opens a handful of connections, not one per slice
STAGES = ("decode", "preprocess", "classify", "segment", "postprocess", "encode")

# The forward pass alone with the served engine, and with TensorFlow when that is another (bench.floor).
FORWARD_KEYS = ("forward_fp32", "forward_fp32_tensorflow")


@dataclass
class Inputs:
    png_256: list[bytes]
    png_512: list[bytes]
    dicom_512: list[bytes]


@dataclass
class Plan:
    store: Path
    log_dir: Path
    seconds: float  # throughput window per concurrency level
    latency_requests: int
    naive_latency_requests: int
    variant: str | None = None  # the service with the other precision, to separate batching from bf16
    variant_env: dict[str, str] = field(default_factory=dict)


@dataclass
class Run:
    """Every figure of one run, keyed by a flat name, so runs can be summarised figure by figure."""

    figures: dict[str, float] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    engine: str = "tensorflow"  # what ran the models in our service (runs recorded before OpenVINO have none)

    def add(self, name: str, value: float) -> None:
        self.figures[name] = float(value)

    def add_load(self, name: str, result: load.Load) -> None:
        if result.errors:
            self.errors[name] = result.errors


def floor(store: Path) -> dict:
    """FLOPs and peak matmul in a separate process: no server and no client runs while it measures."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.floor", str(store)], cwd=server.ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.floor failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def latency(run: Run, name: str, url: str, payloads: list[bytes], count: int, size: int) -> None:
    result = load.sequential(url, payloads, count)
    run.add_load(f"{name}.latency_{size}", result)
    latencies = [s.latency_s * 1000 for s in result.ok]
    run.add(f"{name}.latency_{size}.p50_ms", percentile(latencies, 50))
    run.add(f"{name}.latency_{size}.p99_ms", percentile(latencies, 99))
    stage_samples = [s.timings_ms for s in result.ok if s.timings_ms]
    for stage in STAGES if stage_samples else ():
        run.add(f"{name}.latency_{size}.{stage}_ms", percentile([t.get(stage, 0.0) for t in stage_samples], 50))
    if stage_samples:
        http = [s.latency_s * 1000 - sum(s.timings_ms.values()) for s in result.ok]
        run.add(f"{name}.latency_{size}.http_and_framework_ms", percentile(http, 50))


def throughput(run: Run, name: str, url: str, payloads: list[bytes], plan: Plan, levels=CONCURRENCY) -> None:
    for concurrency in levels:
        result = load.closed_loop(url, payloads, concurrency, plan.seconds)
        run.add_load(f"{name}.throughput_c{concurrency}", result)
        run.add(f"{name}.throughput_c{concurrency}", result.throughput)
        run.add(f"{name}.throughput_c{concurrency}.client_cpu_ms", result.client_cpu_ms_per_request)


def one_run(inputs: Inputs, plan: Plan, floor_numbers: dict | None = None) -> Run:
    run = Run()
    run.add("load_average_1min.start", os.getloadavg()[0])  # other work on the machine, for the record
    ours = server.start("ours", plan.store, plan.log_dir)
    run.add("ours.cold_start_s", ours.cold_start_s)
    naive = server.start("naive", plan.store, plan.log_dir)
    run.add("naive.cold_start_s", naive.cold_start_s)
    try:
        for target in (ours, naive):  # first requests pay one-off costs in both; neither is timed
            load.burst(target.url, inputs.png_512[:8], 4)
        for size, payloads in ((256, inputs.png_256), (512, inputs.png_512)):
            latency(run, "ours", ours.url, payloads, plan.latency_requests, size)
            latency(run, "naive", naive.url, payloads, plan.naive_latency_requests, size)
        for concurrency in CONCURRENCY:  # interleaved, so drift in background load hits both alike
            throughput(run, "ours", ours.url, inputs.png_512, plan, (concurrency,))
            throughput(run, "naive", naive.url, inputs.png_512, plan, (concurrency,))
        wall, status, _ = load.series(ours.url, inputs.dicom_512)
        run.add("ours.series_endpoint_s", wall)
        if status != 200:
            run.errors["ours.series_endpoint"] = 1
        for name, target in (("ours", ours), ("naive", naive)):
            wall, result = load.burst(target.url, inputs.png_512[:SERIES_SLICES], SERIES_CLIENTS)
            run.add_load(f"{name}.series_singles", result)
            run.add(f"{name}.series_singles_s", wall)
        run.add("ours.peak_rss_mib", ours.peak_rss_mib())
        run.add("naive.peak_rss_mib", naive.peak_rss_mib())
    finally:
        ours.stop()
        naive.stop()
    if plan.variant:
        other = server.start("ours", plan.store, plan.log_dir, plan.variant_env)
        try:
            load.burst(other.url, inputs.png_512[:8], 4)
            throughput(run, plan.variant, other.url, inputs.png_512, plan, (8,))
        finally:
            other.stop()
    run.add("load_average_1min.end", os.getloadavg()[0])
    numbers = floor_numbers or floor(plan.store)
    run.engine = numbers.get("engine", "tensorflow")
    for precision, rate in numbers["matmul"].items():
        run.add(f"peak_matmul_{precision}_gflops", rate["peak_flops"] / 1e9)
        for engine, by_engine in rate.get("by_engine", {}).items():
            run.add(f"peak_matmul_{precision}_{engine}_gflops", by_engine["peak_flops"] / 1e9)
    for key in FORWARD_KEYS:
        for size, timing in numbers.get(key, {}).items():
            run.add(f"{key}.batch{size}_ms_per_slice", timing["median_ms"])
    for model, ops in numbers["flops"].items():
        run.add(f"flops.{model}_gflop", matmul_flops(ops) / 1e9)
        run.add(f"flops.{model}_elementwise_gflop", (sum(ops.values()) - matmul_flops(ops)) / 1e9)
    return run
