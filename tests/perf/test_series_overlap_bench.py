"""bench.series_overlap's summary: the median wall time over requests, and each stage's median, of the stages seen."""

from bench.series_overlap import summary


def test_summary_is_the_median_request_and_median_stages():
    samples = [
        {"wall_s": 3.0, "timings_ms": {"decode": 10.0, "segment": 900.0}},
        {"wall_s": 1.0, "timings_ms": {"decode": 30.0, "segment": 700.0}},
        {"wall_s": 2.0, "timings_ms": {"decode": 20.0}},
    ]
    figures = summary(samples)
    assert figures["wall_s"] == {"median": 2.0, "min": 1.0, "max": 3.0, "n": 3}
    assert figures["stages_ms"] == {"decode": 20.0, "segment": 700.0}  # a stage a request lacks counts as 0
