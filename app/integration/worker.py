"""The job worker: claims received studies and pending deliveries from the store, one at a time, in a thread.

Any number of workers (threads, processes, replicas) may share one database: a claim is a lease that the worker
renews while it works, and that another worker takes over once it lapses (the first one was killed).
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from app.errors import ServiceError
from app.integration import metrics
from app.integration.analysis import NoSeriesToAnalyse, analyse
from app.integration.deliveries import DeliveryQueue
from app.integration.push import DeliveryError
from app.integration.store import MAX_JOB_ATTEMPTS, JobStore
from app.integration.tables import Delivery, Job
from app.pipeline.flows.scan_flow import VolumeConfig
from app.serving.runtime import LoadedModels, ModelRuntime

log = logging.getLogger(__name__)
Push = Callable[[str, list[bytes]], None]


@dataclass(frozen=True)
class WorkerConfig:
    worker_id: str
    lease_s: float
    poll_s: float
    destinations: tuple[str, ...]
    volume: Callable[[LoadedModels], VolumeConfig]  # the scan flow's limits and the models' operating threshold


class Worker:
    def __init__(
        self, store: JobStore, deliveries: DeliveryQueue, runtime: ModelRuntime, config: WorkerConfig, push: Push
    ):
        self.store, self.deliveries, self.runtime, self.config, self.push = store, deliveries, runtime, config, push

    def step(self) -> bool:
        """Do one job or one delivery; False when there was nothing to do (or the models are not loaded yet)."""
        if not self.runtime.ready:
            return False
        if (job := self.store.claim_job(self.config.worker_id, self.config.lease_s)) is not None:
            self.run_job(job)
            return True
        if (delivery := self.deliveries.claim(self.config.worker_id, self.config.lease_s)) is not None:
            self.deliver(delivery)
            return True
        return False

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                busy = self.step()
            except Exception:  # the database went away, say: keep the thread alive and try again
                log.exception("worker step failed")
                busy = False
            if not busy:
                stop.wait(self.config.poll_s)

    @contextmanager
    def _lease(self, job_id: int, stage: str) -> Iterator[None]:
        """Renew the job's lease while the block runs, so that no other worker takes it over."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.config.lease_s / 3):
                self.store.progress(job_id, self.config.worker_id, stage, 0.5, self.config.lease_s)

        thread = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def run_job(self, job: Job) -> None:
        worker = self.config.worker_id
        if job.attempts > MAX_JOB_ATTEMPTS:
            self._failed(job.id, f"gave up after {MAX_JOB_ATTEMPTS} attempts: the worker stopped each time")
            return
        started = time.perf_counter()
        self.store.progress(job.id, worker, "analysing", 0.1, self.config.lease_s)
        models = self.runtime.models
        try:
            with self._lease(job.id, "analysing"):
                analysis = analyse(models, self.store.instances(job.id), self.config.volume(models))
        except NoSeriesToAnalyse as e:
            self._failed(job.id, str(e), e.selection)
            return
        except ServiceError as e:
            self._failed(job.id, f"the series could not be analysed: {e.message}")
            return
        except Exception as e:
            log.exception("job %s failed", job.id)
            self._failed(job.id, f"internal error during analysis ({type(e).__name__})")
            return
        if self.store.finish(
            job.id, worker, analysis.outcome(models), analysis.produced, list(self.config.destinations)
        ):
            metrics.JOBS.labels("done").inc()
            metrics.JOB_SECONDS.observe(time.perf_counter() - started)
            log.info("job %s analysed in %.1f s", job.id, time.perf_counter() - started)

    def _failed(self, job_id: int, error: str, selection: list | None = None) -> None:
        self.store.fail(job_id, self.config.worker_id, error, selection)
        metrics.JOBS.labels("failed").inc()
        log.warning("job %s failed: %s", job_id, error)

    def deliver(self, delivery: Delivery) -> None:
        objects = [self.store.read(result) for result in self.store.results(job_id=delivery.job_id)]
        try:
            self.push(delivery.destination, objects)
        except (DeliveryError, ValueError) as e:
            self.deliveries.attempt_failed(delivery, self.config.worker_id, str(e))
            final = delivery.attempts >= self.deliveries.max_attempts
            metrics.DELIVERIES.labels("failed" if final else "retry").inc()
            log.warning("delivery %s of job %s: attempt %s failed", delivery.id, delivery.job_id, delivery.attempts)
            return
        self.deliveries.delivered(delivery, self.config.worker_id, len(objects))
        metrics.DELIVERIES.labels("delivered").inc()
