"""Load and soak test: real uvicorn on loopback, concurrency levels in turn, a mix of good and bad requests.

    python -m loadtest.soak --phase-s 330 --warmup-s 60 --concurrency 8 16

Reports per phase: requests, status counts, unexpected answers, 5xx, p50/p95/p99 latency; RSS over time and its
growth after warm-up (against the median of the warm-up's last minute). Exits 1 when a target is missed: any 5xx, any failed good request, RSS growth >= 10%.
"""

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
from prometheus_client.parser import text_string_to_metric_families

from loadtest.request_mix import request_mix
from loadtest.server import ROOT, Server, uvicorn_server

RSS_GROWTH_LIMIT = 0.10
# Growth is measured against the median RSS over the warm-up's last minute.
BASELINE_S = 60.0
CLIENT_TIMEOUT_S = 120.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="app.main:app", help="uvicorn app to serve")
    parser.add_argument("--model-store", type=Path, default=ROOT / "model_store")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--phase-s", type=float, default=300.0, help="seconds at each concurrency level")
    parser.add_argument("--warmup-s", type=float, default=60.0, help="unmeasured run first, shared by the levels")
    parser.add_argument("--max-requests", type=int, default=100_000, help="per phase")
    parser.add_argument("--bad-share", type=float, default=0.25)
    parser.add_argument("--sample-s", type=float, default=5.0, help="RSS sampling interval")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rss-growth", type=float, default=RSS_GROWTH_LIMIT, help="target, as a fraction")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra server environment")
    parser.add_argument("--out", type=Path, default=Path("/tmp/soak-report.json"))
    parser.add_argument("--log", type=Path, default=Path("/tmp/soak-uvicorn.log"))
    return parser.parse_args(argv)


async def run_phase(client, requests, weights, concurrency, duration_s, max_requests, rng) -> list[dict]:
    """`concurrency` workers send requests back to back until the time or the count runs out."""
    records, deadline = [], time.monotonic() + duration_s
    sent = iter(range(max_requests))

    async def worker():
        while time.monotonic() < deadline and next(sent, None) is not None:
            request = requests[rng.choice(len(requests), p=weights)]
            started = time.perf_counter()
            try:
                response = await client.post(request.path, files=request.files)
                status = response.status_code
            except httpx.HTTPError as e:
                status = f"transport:{type(e).__name__}"
            records.append(
                {
                    "kind": request.kind,
                    "good": request.good,
                    "expected": request.expected,
                    "status": status,
                    "latency_s": time.perf_counter() - started,
                }
            )

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return records


async def sample_rss(server: Server, interval_s: float, samples: list, started: float, stop: asyncio.Event):
    while not stop.is_set():
        samples.append({"t_s": round(time.monotonic() - started, 1), "rss_mb": round(server.rss_bytes() / 2**20, 1)})
        try:
            await asyncio.wait_for(stop.wait(), interval_s)
        except TimeoutError:
            pass


async def scrape(client: httpx.AsyncClient) -> dict:
    """What the server counted itself: batch sizes and refusals, from /metrics."""
    text = (await client.get("/metrics")).text
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in ("ich_batch_size_count", "ich_batch_size_sum"):
                values[sample.name] = sample.value
            elif sample.name == "ich_http_requests_rejected_total":
                values[f"rejected_{sample.labels['reason']}"] = sample.value
    if values.get("ich_batch_size_count"):
        values["mean_batch_size"] = round(values["ich_batch_size_sum"] / values["ich_batch_size_count"], 2)
    return values


def percentile_ms(latencies: list[float], q: float) -> float | None:
    return round(float(np.percentile(latencies, q)) * 1e3, 1) if latencies else None


def summarise(concurrency: int, duration_s: float, records: list[dict]) -> dict:
    good = [r["latency_s"] for r in records if r["good"]]
    unexpected = Counter(
        f"{r['kind']}: {r['status']} (expected {r['expected']})" for r in records if r["status"] != r["expected"]
    )
    return {
        "concurrency": concurrency,
        "duration_s": round(duration_s, 1),
        "requests": len(records),
        "good_requests": len(good),
        "throughput_rps": round(len(records) / duration_s, 2),
        "statuses": dict(Counter(str(r["status"]) for r in records)),
        "kinds": dict(Counter(r["kind"] for r in records)),
        "server_errors_5xx": sum(1 for r in records if isinstance(r["status"], int) and r["status"] >= 500),
        "failed_good_requests": sum(1 for r in records if r["good"] and r["status"] != 200),
        "unexpected": dict(unexpected),
        "good_latency_ms": {f"p{q}": percentile_ms(good, q) for q in (50, 95, 99)},
        "all_latency_ms": {f"p{q}": percentile_ms([r["latency_s"] for r in records], q) for q in (50, 95, 99)},
    }


async def soak(args: argparse.Namespace, server: Server) -> dict:
    requests, weights = request_mix(args.bad_share)
    rng = np.random.default_rng(args.seed)
    samples, stop, started = [], asyncio.Event(), time.monotonic()
    sampler = asyncio.create_task(sample_rss(server, args.sample_s, samples, started, stop))
    limits = httpx.Limits(max_connections=max(args.concurrency))
    phases = []
    async with httpx.AsyncClient(base_url=server.base_url, timeout=CLIENT_TIMEOUT_S, limits=limits) as client:
        # Warm-up visits every level, so that the largest batches have been allocated before RSS is measured.
        for concurrency in args.concurrency:
            warmup_s = args.warmup_s / len(args.concurrency)
            await run_phase(client, requests, weights, concurrency, warmup_s, args.max_requests, rng)
        warm = {"t_s": round(time.monotonic() - started, 1), "rss_mb": round(server.rss_bytes() / 2**20, 1)}
        for concurrency in args.concurrency:
            phase_start = time.monotonic()
            records = await run_phase(client, requests, weights, concurrency, args.phase_s, args.max_requests, rng)
            phases.append(summarise(concurrency, time.monotonic() - phase_start, records))
        scraped = await scrape(client)
    stop.set()
    await sampler
    return {"app": args.app, "phases": phases, "server_metrics": scraped, "rss": rss_growth(samples, warm)}


def rss_growth(samples: list[dict], warm: dict, baseline_s: float = BASELINE_S) -> dict:
    """RSS after warm-up against the warm-up's settled level: the median of the samples in its last `baseline_s`
    (and the reading taken as it ended), so that one low sample cannot set the baseline."""
    settled = [s["rss_mb"] for s in samples if warm["t_s"] - baseline_s <= s["t_s"] < warm["t_s"]] + [warm["rss_mb"]]
    baseline = float(np.median(settled))
    after = [s["rss_mb"] for s in samples if s["t_s"] >= warm["t_s"]] + [warm["rss_mb"]]
    return {
        "after_warmup_mb": warm["rss_mb"],
        "baseline_mb": round(baseline, 1),
        "baseline_samples": len(settled),
        "max_after_warmup_mb": max(after),
        "final_mb": samples[-1]["rss_mb"] if samples else warm["rss_mb"],
        "growth_after_warmup": round(max(after) / baseline - 1, 4),
        "samples": samples,
    }


def verdict(report: dict, max_rss_growth: float) -> list[str]:
    misses = []
    for phase in report["phases"]:
        c = phase["concurrency"]
        if phase["server_errors_5xx"]:
            misses.append(f"c={c}: {phase['server_errors_5xx']} answers were 5xx")
        if phase["failed_good_requests"]:
            misses.append(f"c={c}: {phase['failed_good_requests']} good requests failed")
    if report["rss"]["growth_after_warmup"] >= max_rss_growth:
        misses.append(f"RSS grew {report['rss']['growth_after_warmup']:.1%} after warm-up")
    return misses


def print_summary(report: dict, misses: list[str]) -> None:
    for phase in report["phases"]:
        print(
            f"c={phase['concurrency']:>3}  {phase['requests']:>6} requests in {phase['duration_s']:.0f} s "
            f"({phase['throughput_rps']} req/s)  5xx={phase['server_errors_5xx']}  "
            f"failed good={phase['failed_good_requests']}  good p50/p95/p99 ms="
            f"{phase['good_latency_ms']['p50']}/{phase['good_latency_ms']['p95']}/{phase['good_latency_ms']['p99']}"
        )
        print(f"       statuses {phase['statuses']}  unexpected {phase['unexpected'] or 'none'}")
    rss = report["rss"]
    trace = " ".join(f"{s['t_s']:.0f}s:{s['rss_mb']:.0f}" for s in rss["samples"][:: max(1, len(rss["samples"]) // 12)])
    print(
        f"RSS MB after warm-up {rss['after_warmup_mb']} (baseline, median of its last minute: {rss['baseline_mb']}), max after {rss['max_after_warmup_mb']}, "
        f"final {rss['final_mb']}, growth {rss['growth_after_warmup']:.1%}"
    )
    print(f"RSS trace (t:MB) {trace}")
    print(f"server metrics {report['server_metrics']}")
    print("PASS" if not misses else "FAIL: " + "; ".join(misses))


def main(argv=None) -> int:
    args = parse_args(argv)
    env = {"ICH_MODEL_STORE": str(args.model_store), **dict(item.split("=", 1) for item in args.env)}
    with uvicorn_server(args.app, env, args.log) as server:
        report = asyncio.run(soak(args, server))
    misses = verdict(report, args.max_rss_growth)
    report["misses"] = misses
    args.out.write_text(json.dumps(report, indent=1))
    print_summary(report, misses)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
