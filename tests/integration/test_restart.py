"""kill -9 mid-job, then restart: every received study is analysed once and delivered once (to Orthanc).

The killed worker's lease lapses; the restarted process takes the job over, and the results it commits (with the
audit event) are the only ones, since a job's answer, objects and deliveries are written in one transaction.
"""

import json
import os
import signal
import time

import httpx
import pytest

from app.integration import multipart
from tests.integration import orthanc
from tests.integration.conftest import slow_integration
from tests.integration.replicas import replica
from tests.integration.study_files import as_files, study

pytestmark = pytest.mark.skipif(not orthanc.available(), reason="apt install orthanc orthanc-dicomweb")
STUDIES = 2


def jobs_of(base: str) -> list[dict]:
    return [httpx.get(f"{base}/v1/jobs/{i}", timeout=30).json() for i in range(1, STUDIES + 1)]


def wait(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@slow_integration
def test_kill_9_mid_job_then_restart_analyses_and_delivers_each_study_once(tmp_path):
    log = tmp_path / "service.log"
    with orthanc.orthanc(tmp_path, {}) as pacs:
        env = {
            "ICH_INTEGRATION": "true",
            "ICH_DATA_DIR": str(tmp_path / "data"),
            "ICH_DESTINATIONS": json.dumps([pacs.dicomweb]),
            "ICH_WORKER_POLL_S": "0.1",
            "ICH_JOB_LEASE_S": "3",
        }
        with replica(tmp_path, log, **env, FAKE_MODEL_DELAY_S="30") as doomed:
            for _ in range(STUDIES):
                body, content_type = multipart.build(as_files(study(with_extras=False)[1]))
                headers = {"Content-Type": content_type}
                response = httpx.post(f"{doomed.base_url}/dicomweb/studies", content=body, headers=headers, timeout=60)
                assert response.status_code == 200
            wait(lambda: jobs_of(doomed.base_url)[0]["stage"] == "analysing", 60, "the first job to be analysed")
            os.kill(doomed.process.pid, signal.SIGKILL)
            doomed.process.wait(timeout=30)
        with replica(tmp_path, log, **env) as restarted:
            jobs = wait(
                lambda: (
                    (js := jobs_of(restarted.base_url))
                    and all(
                        j["status"] == "done" and [d["status"] for d in j["deliveries"]] == ["delivered"] for j in js
                    )
                    and js
                ),
                120,
                "every job to be analysed and delivered",
            )
        stored = httpx.get(f"{pacs.http}/instances", timeout=30).json()
    for job in jobs:
        events = [event["event"] for event in job["events"]]
        assert events.count("analysed") == 1 and events.count("delivered") == 1, events
    assert jobs[0]["attempts"] == 2  # the killed attempt, then the one that finished
    produced = {r["sop_instance_uid"] for job in jobs for r in job["results"]}
    assert len(produced) == 3 * STUDIES and len(stored) == 3 * STUDIES  # Orthanc holds each result once
