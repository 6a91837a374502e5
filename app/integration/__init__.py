"""Hospital integration: DICOM in (STOW-RS, C-STORE), durable jobs, DICOM SEG/SR/secondary capture out, delivery."""
