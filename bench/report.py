"""Ratios, efficiency and targets from the runs, printed as the Markdown tables that docs/performance.md records."""

from bench.measure import CONCURRENCY, FORWARD_KEYS, STAGES, Run
from bench.stats import Spread, spread

TARGETS = {
    "throughput_ratio_c8": 2.0,  # ours/naive at concurrency 8, at least
    "efficiency_c8": 0.40,  # of the measured peak matmul rate at the precision used, at least
    "series_s": 10.0,  # 40-slice 512x512 series over HTTP, under
    "cold_start_s": 15.0,  # process start to ready, under
}


def best_peaks(runs: list[Run]) -> dict[str, float]:
    """The machine's peak per precision: the best any run measured, since other work can only pull a measurement down
    (and a depressed peak would flatter the efficiency)."""
    return {
        precision: max(r.figures[f"peak_matmul_{precision}_gflops"] for r in runs)
        for precision in ("fp32", "bf16")
        if all(f"peak_matmul_{precision}_gflops" in r.figures for r in runs)
    }


SEGMENTER_BF16 = "bf16-segmenter"
# What each model runs at under each precision the bench serves (as LoadedModels.precisions reports it).
MODEL_PRECISIONS = {
    "fp32": {"classifier": "fp32", "segmenter": "fp32"},
    "bf16": {"classifier": "bf16", "segmenter": "bf16"},
    SEGMENTER_BF16: {"classifier": "fp32", "segmenter": "bf16"},
}


def seconds_at_peak(f: dict[str, float], peaks: dict[str, float], precision: str) -> float:
    """Time both models' FLOPs per slice would take at the machine's peak, each model against the peak of the
    precision it ran at, so that efficiency = this x slices/s holds for mixed precision too."""
    return sum(f[f"flops.ich_{model}_gflop"] / peaks[p] for model, p in MODEL_PRECISIONS[precision].items())


def derive(run: Run, peaks: dict[str, float], precision: str, variant: str | None, variant_precision: str | None):
    """Per-run ratios and efficiencies, so that their spread over runs is reported like any other figure."""
    f = run.figures
    flops = f["flops.ich_classifier_gflop"] + f["flops.ich_segmenter_gflop"]
    run.add("flops.per_slice_gflop", flops)
    run.add("flops.elementwise_gflop", sum(v for k, v in f.items() if k.endswith("_elementwise_gflop")))
    for key in FORWARD_KEYS:
        for size in (1, 8):
            ms = f.get(f"{key}.batch{size}_ms_per_slice")
            if ms:  # the models alone, no HTTP, pipeline or clients: how close the kernels themselves come
                run.add(f"efficiency.{key}_batch{size}", flops / ms * 1000 / peaks["fp32"])
    for c in CONCURRENCY:
        run.add(f"ratio.throughput_c{c}", f[f"ours.throughput_c{c}"] / f[f"naive.throughput_c{c}"])
        run.add(f"efficiency.ours_c{c}", f[f"ours.throughput_c{c}"] * seconds_at_peak(f, peaks, precision))
    for size in (256, 512):
        for q in ("p50", "p99"):
            key = f"latency_{size}.{q}_ms"
            run.add(f"ratio.{key}", f[f"naive.{key}"] / f[f"ours.{key}"])
    run.add("ratio.series_singles", f["naive.series_singles_s"] / f["ours.series_singles_s"])
    run.add("ratio.series_endpoint_vs_naive_singles", f["naive.series_singles_s"] / f["ours.series_endpoint_s"])
    if variant:
        rate = f[f"{variant}.throughput_c8"]
        run.add(f"ratio.{variant}_throughput_c8", rate / f["naive.throughput_c8"])
        run.add(f"efficiency.{variant}_c8", rate * seconds_at_peak(f, peaks, variant_precision))


def summarise(runs: list[Run]) -> dict[str, Spread]:
    names = sorted(set().union(*(r.figures for r in runs)))
    return {name: spread([r.figures[name] for r in runs if name in r.figures]) for name in names}


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def _peak_rows() -> list[tuple[str, str]]:
    """Per engine (recorded since OpenVINO serves), then the better of the two, which the efficiency uses."""
    rows = []
    for precision in ("fp32", "bf16"):
        for engine in ("tensorflow", "openvino"):
            rows.append(
                (f"peak matmul {precision}, {engine} (GFLOP/s), per run", f"peak_matmul_{precision}_{engine}_gflops")
            )
        rows.append((f"peak matmul {precision} (GFLOP/s), per run", f"peak_matmul_{precision}_gflops"))
    return rows


def markdown(s: dict[str, Spread], meta: dict) -> str:
    precision, variant = meta["precision"], meta.get("variant")

    def get(name: str, digits: int = 1, unit: str = "") -> str:
        return s[name].format(digits, unit) if name in s else "n/a"

    lines = [f"Runs: {meta['runs']}; each figure is the median (min–max) over runs. {meta['machine']}"]
    load = f"{get('load_average_1min.start', 2)} at the start of each run, {get('load_average_1min.end', 2)} at its end"
    lines += [f"1-minute load average: {load} (the benchmark adds to the latter; ~0 is an idle machine).", ""]

    rows = []
    for size in (256, 512):
        for q in ("p50", "p99"):
            key = f"latency_{size}.{q}_ms"
            rows.append(
                [
                    f"latency {size}×{size} {q} (ms, c=1)",
                    get(f"ours.{key}", 0),
                    get(f"naive.{key}", 0),
                    get(f"ratio.{key}", 2, "× faster"),
                ]
            )
    for c in CONCURRENCY:
        rows.append(
            [
                f"throughput c={c} (slices/s, 512×512)",
                get(f"ours.throughput_c{c}", 2),
                get(f"naive.throughput_c{c}", 2),
                get(f"ratio.throughput_c{c}", 2, "×"),
            ]
        )
    rows.append(
        [
            "load generator CPU per request at c=8 (ms)",
            get("ours.throughput_c8.client_cpu_ms", 1),
            get("naive.throughput_c8.client_cpu_ms", 1),
            "",
        ]
    )
    rows.append(
        [
            "40-slice 512×512 series, one /v1/series request (s)",
            get("ours.series_endpoint_s", 2),
            "n/a",
            get("ratio.series_endpoint_vs_naive_singles", 2, "× faster than naive singles"),
        ]
    )
    rows.append(
        [
            f"40-slice 512×512 series as single-slice requests, {meta['series_clients']} clients (s)",
            get("ours.series_singles_s", 2),
            get("naive.series_singles_s", 2),
            get("ratio.series_singles", 2, "× faster"),
        ]
    )
    rows.append(["cold start to ready (s)", get("ours.cold_start_s", 1), get("naive.cold_start_s", 1), ""])
    rows.append(["peak RSS (MiB)", get("ours.peak_rss_mib", 0), get("naive.peak_rss_mib", 0), ""])
    ours = f"ours ({precision}, {meta.get('engine', 'tensorflow')})"
    lines += _table(["figure", ours, "naive (fp32, model.predict)", "ours vs naive"], rows) + [""]

    stage_rows = [
        [stage, get(f"ours.latency_256.{stage}_ms", 1), get(f"ours.latency_512.{stage}_ms", 1)]
        for stage in (*STAGES, "http_and_framework")
    ]
    lines += ["Where a request's time goes (ours, c=1, median per stage, ms):", ""]
    lines += _table(["stage", "256×256", "512×512"], stage_rows) + [""]

    floor_rows = [
        ["conv/matmul FLOPs per slice, classifier (GFLOP)", get("flops.ich_classifier_gflop", 3)],
        ["conv/matmul FLOPs per slice, segmenter (GFLOP)", get("flops.ich_segmenter_gflop", 3)],
        ["conv/matmul FLOPs per slice, both (GFLOP)", get("flops.per_slice_gflop", 3)],
        ["elementwise FLOPs per slice, not counted above (GFLOP)", get("flops.elementwise_gflop", 3)],
        *[[label, get(key, 0)] for label, key in _peak_rows() if key in s],
        *[[f"peak used for efficiency, {p} (best of the runs, GFLOP/s)", f"{v:.0f}"] for p, v in meta["peaks"].items()],
    ]
    floor_rows += [[f"efficiency ours c={c} ({precision})", get(f"efficiency.ours_c{c}", 3)] for c in CONCURRENCY]
    engine = meta.get("engine", "tensorflow")
    for key, name in zip(FORWARD_KEYS, (engine, "tensorflow")):
        for size in (1, 8):
            if f"{key}.batch{size}_ms_per_slice" in s:
                floor_rows += [
                    [
                        f"forward pass alone, {name}, batch {size}, fp32 (ms/slice)",
                        get(f"{key}.batch{size}_ms_per_slice", 1),
                    ],
                    [
                        f"efficiency of the forward pass alone, {name}, batch {size}, fp32",
                        get(f"efficiency.{key}_batch{size}", 3),
                    ],
                ]
    if variant:
        floor_rows += [
            [f"throughput {variant} c=8 (slices/s)", get(f"{variant}.throughput_c8", 2)],
            [f"{variant} vs naive c=8", get(f"ratio.{variant}_throughput_c8", 2, "×")],
            [f"efficiency {variant} c=8 ({meta['variant_precision']})", get(f"efficiency.{variant}_c8", 3)],
        ]
    lines += ["The physical floor:", ""] + _table(["figure", "value"], floor_rows) + [""]

    checks = [
        (
            "throughput at c=8 ≥ 2× naive",
            s["ratio.throughput_c8"].median >= TARGETS["throughput_ratio_c8"],
            get("ratio.throughput_c8", 2, "×"),
        ),
        (
            f"efficiency ≥ 40% of measured {precision} peak",
            s["efficiency.ours_c8"].median >= TARGETS["efficiency_c8"],
            get("efficiency.ours_c8", 3),
        ),
        (
            "40-slice 512 series < 10 s (/v1/series)",
            s["ours.series_endpoint_s"].median < TARGETS["series_s"],
            get("ours.series_endpoint_s", 2, " s"),
        ),
        (
            "cold start < 15 s",
            s["ours.cold_start_s"].median < TARGETS["cold_start_s"],
            get("ours.cold_start_s", 1, " s"),
        ),
    ]
    lines += ["Targets (medians):", ""]
    lines += _table(["target", "met", "measured"], [[t, "yes" if ok else "NO", v] for t, ok, v in checks]) + [""]
    if meta.get("errors"):
        lines += [f"Non-200 answers: {meta['errors']}", ""]
    return "\n".join(lines)
