"""The benchmark's own parts: summaries, inputs the service accepts, the load generator, ratios and targets."""

import http.server
import json
import socket
import threading
from dataclasses import asdict

import cv2
import numpy as np
import pytest

from app.config import Settings
from app.pipeline.decode.series import assemble_series
from bench import inputs, load, report
from bench.__main__ import render, report_from, served_precision
from bench.measure import CONCURRENCY, Run
from bench.stats import percentile, spread


def test_spread_is_median_min_max_over_runs():
    assert spread([3.0, 1.0, 2.0, 10.0]) == spread([10.0, 2.0, 1.0, 3.0])
    summary = spread([3.0, 1.0, 2.0])
    assert (summary.median, summary.low, summary.high, summary.runs) == (2.0, 1.0, 3.0, 3)
    assert summary.format(1, " s") == "2.0 s (1.0–3.0)"
    with pytest.raises(ValueError, match="^no runs to summarise$"):
        spread([])


def test_percentile_is_nearest_rank_so_p99_of_a_short_run_is_its_slowest():
    values = [float(v) for v in range(1, 21)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (10.0, 20.0, 20.0)
    with pytest.raises(ValueError, match="^no samples$"):
        percentile([], 50)


def test_png_inputs_hold_hu_plus_1024_and_the_dicom_series_assembles_in_order():
    pngs, dicoms = inputs.series_inputs(3, matrix=256)
    hu = inputs.phantom_hu(1, 256)
    stored = cv2.imdecode(np.frombuffer(pngs[1], np.uint8), cv2.IMREAD_UNCHANGED)
    assert stored.dtype == np.uint16 and np.abs(stored.astype(np.float32) - 1024 - hu).max() <= 0.5
    series = assemble_series(list(reversed(dicoms)), 10, 512 * 512, 10 * 512 * 512)
    assert series.hu.shape == (3, 256, 256)
    assert [ref.upload_index for ref in series.slices] == [2, 1, 0]  # sorted by position, not upload order
    assert np.abs(series.hu[1] - hu).max() <= 0.5


class SlowEcho(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        # Answers 200 only to a well-formed multipart upload, so a load generator sending anything else fails.
        sent = self.rfile.read(int(self.headers["Content-Length"]))
        boundary = self.headers["Content-Type"].removeprefix("multipart/form-data; boundary=").encode()
        parts = sent.split(b"--" + boundary)
        well_formed = (
            len(parts) >= 3 and parts[-1] == b"--\r\n" and b"Content-Disposition: form-data; name=" in parts[1]
        )
        body = json.dumps({"timings_ms": {"decode": 1.0, "parts": len(parts) - 2}}).encode()
        if not well_formed:
            self.send_error(400)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket closes


@pytest.fixture
def echo_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowEcho)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_closed_loop_spreads_clients_over_processes_and_counts_every_answer(echo_url):
    result = load.closed_loop(echo_url, [b"slice"], concurrency=6, seconds=0.5)
    assert result.errors == 0 and len(result.ok) >= 6
    assert result.throughput == pytest.approx(len(result.ok) / result.window_s)
    assert all(s.timings_ms == {"decode": 1.0, "parts": 1} for s in result.ok)
    assert 0 < result.client_cpu_ms_per_request < 500  # the load generator's own cost is measured


def test_uploads_are_multipart_encoded_once_and_resent_as_bytes():
    request = load.slice_upload(b"\x89PNG-bytes")
    assert request.content_type.startswith("multipart/form-data; boundary=")
    assert b'name="image"; filename="slice.png"' in request.body and b"\x89PNG-bytes" in request.body


def test_series_sends_every_file_in_one_request(echo_url):
    wall, status, timings = load.series(echo_url, [b"dicom-a", b"dicom-b", b"dicom-c"])
    assert status == 200 and timings == {"decode": 1.0, "parts": 3} and wall > 0


def test_a_refused_connection_counts_as_an_error_not_a_crash():
    result = load.sequential(f"http://127.0.0.1:{closed_port()}", [b"slice"], count=2)
    assert result.errors == 2 and result.ok == []


def test_burst_sends_each_payload_once(echo_url):
    wall, result = load.burst(echo_url, [b"a"] * 9, concurrency=4)
    assert len(result.ok) == 9 and result.errors == 0 and wall > 0


def synthetic_run(ours_c8: float, naive_c8: float) -> Run:
    run = Run()
    for c in CONCURRENCY:
        run.add(f"ours.throughput_c{c}", ours_c8)
        run.add(f"naive.throughput_c{c}", naive_c8)
    for size in (256, 512):
        for q, ms in (("p50", 100.0), ("p99", 150.0)):
            run.add(f"ours.latency_{size}.{q}_ms", ms)
            run.add(f"naive.latency_{size}.{q}_ms", 3 * ms)
    figures = {"ours.series_singles_s": 4.0, "naive.series_singles_s": 12.0, "ours.series_endpoint_s": 3.0}
    figures |= {"ours.cold_start_s": 9.0, "naive.cold_start_s": 7.0, "ours.peak_rss_mib": 1500.0}
    figures |= {"flops.ich_classifier_gflop": 0.25, "flops.ich_segmenter_gflop": 7.75}
    figures |= {"peak_matmul_fp32_gflops": 200.0, "peak_matmul_bf16_gflops": 800.0, "ours_fp32.throughput_c8": 5.0}
    for name, value in figures.items():
        run.add(name, value)
    return run


META = {
    "runs": 3,
    "machine": "test",
    "precision": "bf16",
    "variant": "ours_fp32",
    "variant_precision": "fp32",
    "series_clients": 16,
    "errors": {},
}


def test_ratios_efficiency_and_targets_follow_from_the_figures():
    runs = [synthetic_run(ours, 4.0) for ours in (40.0, 44.0, 48.0)]
    text = render(runs, META)
    assert runs[0].figures["ratio.throughput_c8"] == 10.0
    assert runs[0].figures["efficiency.ours_c8"] == pytest.approx(8.0 * 40.0 / 800.0)
    assert runs[0].figures["efficiency.ours_fp32_c8"] == pytest.approx(8.0 * 5.0 / 200.0)
    assert runs[0].figures["ratio.latency_512.p99_ms"] == 3.0
    assert "| throughput at c=8 ≥ 2× naive | yes | 11.00× (10.00–12.00) |" in text
    assert "| efficiency ≥ 40% of measured bf16 peak | yes | 0.440 (0.400–0.480) |" in text
    slow = render([synthetic_run(6.0, 4.0)], {**META, "variant": None})
    assert "| throughput at c=8 ≥ 2× naive | NO | 1.50× (1.50–1.50) |" in slow


def test_with_the_resunet_alone_in_bf16_each_model_counts_against_its_own_precisions_peak():
    run = synthetic_run(40.0, 4.0)
    run.add("ours_bf16_segmenter.throughput_c8", 10.0)
    meta = {**META, "precision": "fp32", "variant": "ours_bf16_segmenter", "variant_precision": "bf16-segmenter"}
    text = render([run], meta)
    # classifier 0.25 GFLOP at the fp32 peak (200), ResUNet 7.75 GFLOP at the bf16 peak (800), 10 slices/s
    assert run.figures["efficiency.ours_bf16_segmenter_c8"] == pytest.approx(10.0 * (0.25 / 200 + 7.75 / 800))
    assert run.figures["efficiency.ours_c8"] == pytest.approx(40.0 * 8.0 / 200)
    assert "| efficiency ours_bf16_segmenter c=8 (bf16-segmenter) | 0.109 (0.109–0.109) |" in text


def test_efficiency_divides_by_the_best_peak_of_the_invocation():
    busy, idle = synthetic_run(40.0, 4.0), synthetic_run(40.0, 4.0)
    busy.add("peak_matmul_bf16_gflops", 400.0)  # a peak measured while other work ran
    render([busy, idle], META)
    assert report.best_peaks([busy, idle]) == {"fp32": 200.0, "bf16": 800.0}
    assert busy.figures["efficiency.ours_c8"] == idle.figures["efficiency.ours_c8"] == pytest.approx(0.4)


def test_saved_raw_figures_render_the_same_tables(tmp_path):
    runs = [synthetic_run(ours, 4.0) for ours in (40.0, 44.0)]
    path = tmp_path / "runs.json"
    path.write_text(json.dumps({"meta": META, "runs": [asdict(r) for r in runs]}))
    assert report_from(path) == render([synthetic_run(ours, 4.0) for ours in (40.0, 44.0)], META)


@pytest.mark.parametrize(
    ("options", "amx", "precision"),
    [
        ({}, True, "fp32"),  # the default: the served ResUNet fails the bf16 equivalence check
        ({}, False, "fp32"),
        ({"cpu_bf16_segmenter": True}, True, "bf16-segmenter"),
        ({"cpu_bf16_segmenter": True}, False, "fp32"),
        ({"cpu_bf16": True}, True, "bf16"),
        ({"cpu_bf16": True}, False, "fp32"),
    ],
)
def test_the_bench_labels_the_service_with_the_precision_it_serves(tmp_path, options, amx, precision):
    assert served_precision(Settings(model_store=tmp_path, **options), amx) == precision
