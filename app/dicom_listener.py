"""`python -m app.dicom_listener`: the DICOM C-STORE SCP that hospitals send studies to (docs/integration.md).

CT images are spooled and join their study's job, which the service's worker analyses once no file has arrived for
ICH_SERIES_QUIET_S. Every other storage SOP class (SR, dose reports, secondary captures) is accepted and ignored, so
that a PACS sending a whole study never sees the association fail. ICH_DICOM_ALLOWED_AES restricts calling AE titles.
"""

import logging

from pynetdicom import AE, AllStoragePresentationContexts, evt
from pynetdicom.sop_class import CTImageStorage, Verification

from app.config import Settings, get_settings
from app.integration import metrics
from app.integration.service import open_integration
from app.integration.store import InstanceUids, JobStore
from app.logging_config import configure_logging
from app.pipeline.decode.dicom_pixels import COMPRESSED, NATIVE

log = logging.getLogger(__name__)
TRANSFER_SYNTAXES = [*NATIVE, *COMPRESSED]  # what the scan flow decodes
SUCCESS, OUT_OF_RESOURCES = 0x0000, 0xA700
ANALYSED_CLASSES = {CTImageStorage}


def handle_store(event, store: JobStore, quiet_s: float) -> int:
    """One C-STORE: spool a CT image into its study's job; acknowledge anything else without keeping it."""
    sop_class = event.request.AffectedSOPClassUID
    if sop_class not in ANALYSED_CLASSES:
        metrics.IGNORED.labels("dimse", "sop_class").inc()
        return SUCCESS
    try:
        ds = event.dataset
        uids = InstanceUids(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID, sop_class)
        store.receive_dimse(uids, event.encoded_dataset(), quiet_s)
    except Exception:  # a disk or database failure: the sender may retry this instance later
        log.exception("C-STORE: could not keep an instance")
        metrics.REJECTED.labels("dimse", "store_failed").inc()
        return OUT_OF_RESOURCES
    metrics.RECEIVED.labels("dimse").inc()
    return SUCCESS


def handle_rejected(event) -> None:
    metrics.REJECTED.labels("dimse", "association").inc()
    log.warning("DICOM listener: an association was rejected (calling AE title not allowed?)")


def build_ae(settings: Settings) -> AE:
    ae = AE(ae_title=settings.dicom_ae_title)
    for context in AllStoragePresentationContexts:
        ae.add_supported_context(context.abstract_syntax, TRANSFER_SYNTAXES)
    ae.add_supported_context(Verification)
    if settings.dicom_allowed_aes:
        ae.require_calling_aet = list(settings.dicom_allowed_aes)
    return ae


def start(settings: Settings, store: JobStore, block: bool = False):
    """Listen on ICH_DICOM_HOST:ICH_DICOM_PORT; with block=False, returns the server (call .shutdown() to stop)."""
    handlers = [(evt.EVT_C_STORE, handle_store, [store, settings.series_quiet_s]), (evt.EVT_REJECTED, handle_rejected)]
    log.info("DICOM listener %s on port %s", settings.dicom_ae_title, settings.dicom_port)
    return build_ae(settings).start_server(
        (settings.dicom_host, settings.dicom_port), block=block, evt_handlers=handlers
    )


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    start(settings, open_integration(settings).store, block=True)


if __name__ == "__main__":
    main()
