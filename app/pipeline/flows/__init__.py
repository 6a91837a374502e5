"""Flows: decode -> infer -> encode chained for one slice file, and for a DICOM series or a NIfTI volume."""
