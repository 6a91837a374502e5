"""Decode: bytes (PNG, JPEG, DICOM, a DICOM series, NIfTI) -> HU arrays, refusing what is not a CT by name."""
