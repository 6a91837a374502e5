"""Per-stage wall-clock timings for one request, also fed to the stage-latency histogram that /metrics exposes."""

import time
from contextlib import contextmanager

from app.metrics import STAGE_LATENCY


class StageTimer:
    def __init__(self) -> None:
        self.milliseconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str, observe: bool = True):
        """`observe=False` for a part of a stage whose whole is observed later (observe_stage), so that a
        request counts each stage once."""
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.milliseconds[name] = round(elapsed * 1000, 2)
            if observe:
                STAGE_LATENCY.labels(name).observe(elapsed)


def observe_stage(name: str, milliseconds: float) -> None:
    STAGE_LATENCY.labels(name).observe(milliseconds / 1000)


def add_timings(total: dict[str, float], part: dict[str, float]) -> None:
    """Sums `part` into `total`, stage by stage (a stack's chunks each time the same stages)."""
    for name, milliseconds in part.items():
        total[name] = round(total.get(name, 0.0) + milliseconds, 2)
