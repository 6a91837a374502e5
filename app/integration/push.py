"""Send produced DICOM objects to a destination: a DICOMweb STOW-RS base URL, or a DICOM AE by C-STORE."""

import urllib.error
import urllib.request

from pydicom import dcmread
from pydicom.filebase import DicomBytesIO
from pynetdicom import AE
from pynetdicom.sop_class import (
    Comprehensive3DSRStorage,
    ComprehensiveSRStorage,
    SecondaryCaptureImageStorage,
    SegmentationStorage,
)

from app.integration import multipart
from app.integration.destinations import DimseTarget, parse_destination

PUSH_TIMEOUT_S = 60
CALLING_AE = "ICH_AI"
RESULT_CLASSES = (SegmentationStorage, Comprehensive3DSRStorage, ComprehensiveSRStorage, SecondaryCaptureImageStorage)


class DeliveryError(Exception):
    """A destination refused or could not be reached; the message is safe to record."""


def stow(base_url: str, objects: list[bytes]) -> None:
    body, content_type = multipart.build(objects)
    request = urllib.request.Request(
        f"{base_url}/studies", body, {"Content-Type": content_type, "Accept": "application/dicom+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=PUSH_TIMEOUT_S) as response:
            if response.status not in (200, 202):
                raise DeliveryError(f"STOW-RS answered {response.status}")
    except urllib.error.HTTPError as e:
        raise DeliveryError(f"STOW-RS answered {e.code}") from e
    except (urllib.error.URLError, OSError) as e:
        raise DeliveryError(f"STOW-RS unreachable: {getattr(e, 'reason', e)}") from e


def c_store(target: DimseTarget, objects: list[bytes], calling_ae: str = CALLING_AE) -> None:
    ae = AE(ae_title=calling_ae)
    for sop_class in RESULT_CLASSES:
        ae.add_requested_context(sop_class)
    association = ae.associate(target.host, target.port, ae_title=target.ae_title)
    if not association.is_established:
        raise DeliveryError(f"association with {target.ae_title} at {target.host}:{target.port} was not established")
    try:
        for data in objects:
            status = association.send_c_store(dcmread(DicomBytesIO(data)))
            if not status or status.Status not in (0x0000, 0xB000, 0xB007, 0xB006):
                code = f"0x{status.Status:04X}" if status else "none (connection lost)"
                raise DeliveryError(f"C-STORE to {target.ae_title} failed with status {code}")
    finally:
        association.release()


def push(destination: str, objects: list[bytes], calling_ae: str = CALLING_AE) -> None:
    target = parse_destination(destination)
    if isinstance(target, DimseTarget):
        c_store(target, objects, calling_ae)
    else:
        stow(target, objects)
