"""The real-scan bench: a real head CT (DICOM series, NIfTI volume or folder of images) through the service's own
decode, inference and answer code, as HU and as the exports users send, plus semi-real bleeds pasted into it."""
