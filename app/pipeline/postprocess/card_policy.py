"""What the classifier's card asks of the answers: calibrated probabilities, the scan-level rule and which
slices are assessed."""

from dataclasses import dataclass

from app.errors import ModelNotReady
from core.calibration import Calibration
from core.scan_decision import ScanRule
from core.slice_assessment import AssessmentLimits


@dataclass(frozen=True)
class CardPolicy:
    calibration: Calibration | None  # None: probabilities are served as the model gives them
    rule: ScanRule
    limits: AssessmentLimits  # which slices hold enough brain to be assessed


def card_policy(card: dict) -> CardPolicy:
    """A card that cannot be read is the service's fault, not the caller's: 503 until a good model is loaded."""
    try:
        return CardPolicy(Calibration.from_card(card), ScanRule.from_card(card), AssessmentLimits.from_card(card))
    except (TypeError, ValueError) as e:
        raise ModelNotReady(f"the classifier's model card is malformed: {e}") from e
