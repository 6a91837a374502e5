"""What the classifier's card asks of the answers: calibrated probabilities and the scan-level rule."""

from dataclasses import dataclass

from app.errors import ModelNotReady
from core.calibration import Calibration
from core.scan_decision import ScanRule


@dataclass(frozen=True)
class CardPolicy:
    calibration: Calibration | None  # None: probabilities are served as the model gives them
    rule: ScanRule


def card_policy(card: dict) -> CardPolicy:
    """A card that cannot be read is the service's fault, not the caller's: 503 until a good model is loaded."""
    try:
        return CardPolicy(Calibration.from_card(card), ScanRule.from_card(card))
    except (TypeError, ValueError) as e:
        raise ModelNotReady(f"the classifier's model card is malformed: {e}") from e
