"""The scan flow's configuration built from the service's settings: one builder for the series and volume endpoints
and the DICOM integration, so a limit or the threshold cannot differ between the ways a scan arrives."""

from app.config import Settings
from app.pipeline.flows.scan_flow import VolumeConfig
from app.serving.runtime import LoadedModels


def volume_config(
    settings: Settings, models: LoadedModels, montage: bool = False, withheld_masks: bool = False
) -> VolumeConfig:
    return VolumeConfig(
        settings.max_series_slices,
        settings.max_image_pixels,
        settings.max_volume_voxels,
        settings.series_batch_slices,
        settings.operating_threshold(models.classifier_version.card),
        montage,
        settings.series_prefetch_chunks,
        withheld_masks,
    )
