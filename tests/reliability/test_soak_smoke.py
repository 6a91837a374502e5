"""The soak script, run briefly against real uvicorn with fake models: it drives both levels and reports honestly."""

import json

from loadtest.request_mix import request_mix
from loadtest.soak import main, rss_growth, verdict


def test_short_soak_against_fake_models(tmp_path):
    out = tmp_path / "report.json"
    args = ["--app", "tests.reliability.fake_app:app", "--model-store", str(tmp_path), "--concurrency", "2", "4"]
    args += ["--phase-s", "2", "--warmup-s", "1", "--sample-s", "0.5", "--max-rss-growth", "5"]
    assert main([*args, "--out", str(out), "--log", str(tmp_path / "uvicorn.log")]) == 0
    report = json.loads(out.read_text())
    assert [phase["concurrency"] for phase in report["phases"]] == [2, 4]
    for phase in report["phases"]:
        assert phase["requests"] > 10 and 0 < phase["good_requests"] < phase["requests"]
        assert phase["server_errors_5xx"] == 0 and phase["failed_good_requests"] == 0
        assert phase["unexpected"] == {}
        assert {"200", "400"} <= set(phase["statuses"])
        assert sum(phase["kinds"].values()) == phase["requests"] and len(phase["kinds"]) >= 5
        assert phase["good_latency_ms"]["p99"] >= phase["good_latency_ms"]["p50"] > 0
    assert len(report["rss"]["samples"]) >= 4 and report["rss"]["after_warmup_mb"] > 0
    assert report["misses"] == []
    assert "ich_batch_size_count" in report["server_metrics"]  # scraped from the server's own /metrics


def test_verdict_names_each_missed_target():
    report = {
        "phases": [{"concurrency": 8, "server_errors_5xx": 2, "failed_good_requests": 3}],
        "rss": {"growth_after_warmup": 0.25},
    }
    assert verdict(report, 0.10) == [
        "c=8: 2 answers were 5xx",
        "c=8: 3 good requests failed",
        "RSS grew 25.0% after warm-up",
    ]


def test_bad_share_of_the_mix():
    requests, weights = request_mix(bad_share=0.25)
    bad = sum(weight for request, weight in zip(requests, weights) if not request.good)
    assert abs(bad - 0.25) < 1e-9
    assert {request.expected for request in requests} == {200, 400, 415, 422}


def test_rss_growth_is_measured_from_the_warm_up_s_settled_level_not_one_low_sample():
    samples = [{"t_s": t, "rss_mb": mb} for t, mb in [(10, 300), (20, 420), (30, 430), (40, 425), (55, 330)]]
    samples += [{"t_s": t, "rss_mb": mb} for t, mb in [(70, 428), (80, 440), (90, 431)]]
    rss = rss_growth(samples, {"t_s": 60, "rss_mb": 330}, baseline_s=45)
    assert rss["baseline_samples"] == 5 and rss["baseline_mb"] == 420  # median of 420, 430, 425, 330 and 330
    assert rss["max_after_warmup_mb"] == 440 and abs(rss["growth_after_warmup"] - (440 / 420 - 1)) < 1e-4
    leaking = samples + [{"t_s": 100, "rss_mb": 520}]
    assert rss_growth(leaking, {"t_s": 60, "rss_mb": 330}, baseline_s=45)["growth_after_warmup"] > 0.2
