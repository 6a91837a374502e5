"""The input forms held-out phantoms are measured in, and what the cards say of each."""

from training.scanner.export import JPEG_QUALITY, eight_bit_codec_weights
from training.scanner.export_render import GAMMA_PROBABILITY, WINDOW_RANGES, WINDOW_WEIGHTS

_level, _width = WINDOW_RANGES["brain"]
_jpeg = eight_bit_codec_weights()["jpeg8"]
# name: (share sent as an 8-bit image, 8-bit PNG/JPEG exports drawn as training.scanner draws them)
FORMS = {"hu": (0.0, False), "brain_window_8bit": (1.0, False), "exported_8bit": (1.0, True)}
FORM_NOTES = {
    "hu": "every phantom as HU, as DICOM, NIfTI and 16-bit PNG files carry it",
    "brain_window_8bit": "every phantom as a lossless 8-bit PNG at the 40/80 brain window, the window the service "
    "reads 8-bit files as: the easiest 8-bit case",
    "exported_8bit": "every phantom as an 8-bit PNG or JPEG export as training.scanner draws them, as 8-bit files "
    f"arrive: a brain window of level {_level[0]:g}-{_level[1]:g} and width {_width[0]:g}-{_width[1]:g} "
    f"({1 - WINDOW_WEIGHTS['brain']:.0%} a subdural or bone window), display gamma in {GAMMA_PROBABILITY:.0%}, "
    f"JPEG ({_jpeg:.0%}, quality {JPEG_QUALITY[0]}-{JPEG_QUALITY[1]}), rescaled, cropped or padded, burned-in text",
}


def held_out_metrics(held_out: dict) -> dict:
    """A card's `metrics`: the figures by form, and what each phantom form was."""
    notes = {form: FORM_NOTES[form] for form in held_out if form in FORM_NOTES}
    return {"held_out": held_out} | ({"held_out_forms": notes} if notes else {})
