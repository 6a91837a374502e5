"""What every produced DICOM object says about its origin: the algorithm, its version, the model versions."""

from dataclasses import dataclass

import highdicom as hd
from pydicom.sr.codedict import codes

from app.serving.runtime import LoadedModels

ALGORITHM_NAME = "ICH detector"
ALGORITHM_VERSION = "0.1.0"
MANUFACTURER = "ich-service (open source)"
NOT_FOR_CLINICAL_USE = "NOT FOR CLINICAL USE"
SEG_SERIES_NUMBER, SR_SERIES_NUMBER, SC_SERIES_NUMBER = 9901, 9902, 9903


@dataclass(frozen=True)
class Provenance:
    models: str  # "ich_classifier 3, ich_segmenter 2"

    @classmethod
    def of(cls, models: LoadedModels) -> "Provenance":
        return cls(", ".join(f"{v.name} {v.version}" for v in models.versions))

    @property
    def software_versions(self) -> str:
        return f"{ALGORITHM_NAME} {ALGORITHM_VERSION}; models: {self.models}"

    def algorithm(self) -> hd.AlgorithmIdentificationSequence:
        return hd.AlgorithmIdentificationSequence(
            name=ALGORITHM_NAME,
            version=ALGORITHM_VERSION,
            family=codes.cid7162.ArtificialIntelligence,
            source=self.models,
            parameters={"models": self.models, "notice": NOT_FOR_CLINICAL_USE},
        )

    def sr_algorithm(self) -> hd.sr.AlgorithmIdentification:
        return hd.sr.AlgorithmIdentification(
            name=ALGORITHM_NAME, version=ALGORITHM_VERSION, parameters=[f"models: {self.models}", NOT_FOR_CLINICAL_USE]
        )
