"""What the classifier's card asks of the answers: calibrated probabilities, the scan-level rule and which
slices are assessed. The card validated them when it was read (core.model_store), so nothing here can fail."""

from dataclasses import dataclass

from core.calibration import Calibration
from core.model_card import ModelCard
from core.scan_decision import ScanRule
from core.slice_assessment import AssessmentLimits


@dataclass(frozen=True)
class CardPolicy:
    calibration: Calibration | None  # None: probabilities are served as the model gives them
    rule: ScanRule
    limits: AssessmentLimits  # which slices hold enough brain to be assessed


def card_policy(card: ModelCard) -> CardPolicy:
    return CardPolicy(card.calibration_map, card.scan_rule_policy, card.assessment_limits)
