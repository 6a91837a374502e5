"""Orthanc (Debian `orthanc` + `orthanc-dicomweb`) started on loopback ports with a temporary configuration: the
hospital PACS of the round-trip tests."""

import json
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.live_server import free_port

ORTHANC = shutil.which("Orthanc")
DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
AE_TITLE = "ORTHANC"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class Pacs:
    http: str  # REST API base
    dicomweb: str  # DICOMweb root
    dicom_port: int

    def upload(self, files: list[bytes]) -> list[str]:
        return [httpx.post(f"{self.http}/instances", content=data, timeout=60).json()["ID"] for data in files]

    def find_instance(self, sop_uid: str) -> bytes | None:
        query = {"Level": "Instance", "Query": {"SOPInstanceUID": sop_uid}}
        found = httpx.post(f"{self.http}/tools/find", json=query, timeout=30).json()
        return httpx.get(f"{self.http}/instances/{found[0]}/file", timeout=60).content if found else None


def available() -> bool:
    return ORTHANC is not None and DICOMWEB_PLUGIN.exists()


@contextmanager
def orthanc(folder: Path, modalities: dict[str, tuple[str, int]]):
    """Orthanc with its database in `folder`; `modalities`: name -> (AE title, port on 127.0.0.1) it may send to."""
    http_port, dicom_port = free_port(), free_port()
    config = {
        "Name": "test-pacs",
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "storage"),
        "HttpPort": http_port,
        "DicomPort": dicom_port,
        "DicomAet": AE_TITLE,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "DicomAlwaysAllowStore": True,
        "DicomCheckCalledAet": False,
        "Plugins": [str(DICOMWEB_PLUGIN)],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        "DicomModalities": {name: [ae, "127.0.0.1", port] for name, (ae, port) in modalities.items()},
    }
    (folder / "orthanc.json").write_text(json.dumps(config))
    log = open(folder / "orthanc.log", "w")
    process = subprocess.Popen([ORTHANC, str(folder / "orthanc.json")], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"Orthanc exited with {process.returncode}: {(folder / 'orthanc.log').read_text()}")
            try:
                if httpx.get(f"{base}/system", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            raise TimeoutError("Orthanc did not start")
        yield Pacs(base, f"{base}/dicom-web", dicom_port)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
