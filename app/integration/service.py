"""The integration as the service runs it: the store on the configured database, the worker and retention threads.

Built from Settings here, once; everything below receives plain values.
"""

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from app.config import Settings
from app.integration.database import make_engine, migrate, session_factory
from app.integration.deliveries import DeliveryQueue
from app.integration.destinations import parse_destination
from app.integration.store import JobStore
from app.integration.tables import utcnow
from app.scan_config import volume_config
from app.serving.runtime import ModelRuntime

log = logging.getLogger(__name__)
PURGE_EVERY_S = 600


@dataclass
class Integration:
    store: JobStore
    deliveries: DeliveryQueue
    retention: timedelta
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def purge(self, older_than: timedelta | None = None) -> int:
        return self.store.purge(utcnow() - (older_than if older_than is not None else self.retention))

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def open_integration(settings: Settings) -> Integration:
    """The store on ICH_DATABASE_URL (or SQLite in ICH_DATA_DIR), migrated to the current schema."""
    for destination in settings.destinations:  # a typo fails the start, not every delivery
        parse_destination(destination)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database)
    migrate(engine)
    sessions = session_factory(engine)
    return Integration(
        JobStore(sessions, settings.data_dir),
        DeliveryQueue(sessions, settings.delivery_max_attempts, settings.delivery_backoff_s),
        timedelta(hours=settings.retention_hours),
    )


def start_threads(integration: Integration, runtime: ModelRuntime, settings: Settings) -> None:
    """The worker, and the retention purge every PURGE_EVERY_S."""
    # Imported here: highdicom and pynetdicom cost seconds at start-up, which a service without integration skips.
    from app.integration.push import push
    from app.integration.worker import Worker, WorkerConfig

    config = WorkerConfig(
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
        lease_s=settings.job_lease_s,
        poll_s=settings.worker_poll_s,
        destinations=tuple(settings.destinations),
        volume=partial(volume_config, settings),
    )
    worker = Worker(
        integration.store, integration.deliveries, runtime, config, partial(push, calling_ae=settings.dicom_ae_title)
    )

    def purge_loop() -> None:
        while not integration.stop.wait(PURGE_EVERY_S):
            try:
                if files := integration.purge():
                    log.info("retention: purged %s received files", files)
            except Exception:
                log.exception("retention purge failed")

    for target, args, name in ((worker.run, (integration.stop,), "job-worker"), (purge_loop, (), "retention")):
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        integration.threads.append(thread)
