"""Input confinement (core.model_input): a confined model sees only the space inside the skull, or the cranium."""

import numpy as np

from core.model_input import SKULL_BAND_MM, confine, confinement_mask, stack_inputs, to_model_input
from core.windowing import AIR_HU, BRAIN, as_brain_window_export, brain_window_to_hu, hu_to_brain_window_pixels
from tests.core.head_phantom import BONE_HU, BRAIN_HU, SCALP_HU, brain_region, head_slice


def _with_blood_and_a_face(hu: np.ndarray) -> np.ndarray:
    """A bleed inside the skull and blood-dense soft tissue outside it (say a swollen scalp or a sinus)."""
    out = hu.copy()
    out[100:110, 120:136] = 65.0  # inside the brain ellipse
    out[8:14, 120:136] = 65.0  # outside the skull, above the scalp's top edge
    return out


def test_confined_hu_keeps_the_inside_of_the_skull_and_sets_the_rest_to_air():
    hu = _with_blood_and_a_face(head_slice())
    confined = confine(hu, "intracranial")
    inside = brain_region()
    assert confined.dtype == np.float32
    np.testing.assert_array_equal(confined[inside], hu[inside])
    assert (confined[100:110, 120:136] == 65.0).all()  # the bleed stays
    outside = ~inside & (hu != BRAIN_HU)
    assert (confined[outside] == AIR_HU).all()  # bone, scalp and the dense tissue outside are gone
    assert (hu[outside] >= SCALP_HU).sum() > 1000  # there was something to remove


def test_a_brain_window_export_is_confined_to_its_own_floor():
    export = brain_window_to_hu(hu_to_brain_window_pixels(_with_blood_and_a_face(head_slice())))
    confined = confine(export, "intracranial")
    inside = brain_region()
    assert (confined[~inside] == BRAIN.low).all()
    np.testing.assert_array_equal(confined[inside], export[inside])
    assert (confined[100:110, 120:136] > 60).all()


def test_the_confinement_mask_is_what_confine_keeps():
    hu = _with_blood_and_a_face(head_slice())
    assert confinement_mask(hu, "none").all()
    for confinement in ("intracranial", "cranium"):
        keep = confinement_mask(hu, confinement)
        confined = confine(hu, confinement)
        np.testing.assert_array_equal(confined[keep], hu[keep])
        assert (confined[~keep] == AIR_HU).all() and (~keep).sum() > 1000
    assert confinement_mask(hu, "cranium").sum() > confinement_mask(hu, "intracranial").sum()  # the skull band


def test_stacks_of_neighbours_are_confined_slice_by_slice():
    top, bottom = head_slice(), head_slice(brain_axes=(60, 80))
    stacked = confine(np.stack([top, bottom], axis=-1), "cranium")
    np.testing.assert_array_equal(stacked[..., 0], confine(top, "cranium"))
    np.testing.assert_array_equal(stacked[..., 1], confine(bottom, "cranium"))


def test_model_input_differs_only_outside_the_skull_when_confined():
    hu = _with_blood_and_a_face(head_slice(512, brain_axes=(160, 200), bone_mm=12))
    whole, confined = to_model_input(hu), to_model_input(hu, confinement="intracranial")
    inside = brain_region(256, brain_axes=(78, 98))  # a little inside the brain's edge at model size
    np.testing.assert_array_equal(whole[inside], confined[inside])
    assert (confined[~brain_region(256, brain_axes=(82, 102))] == 0.0).all()  # air in every window
    assert whole[~brain_region(256, brain_axes=(82, 102))].max() == 1.0  # the skull was there
    batch = stack_inputs([hu, hu], context=1, confinement="intracranial")
    np.testing.assert_array_equal(batch[0][..., :3], confined)


def test_an_unconfined_input_is_unchanged_by_the_option():
    hu = as_brain_window_export(head_slice())
    np.testing.assert_array_equal(to_model_input(hu), to_model_input(hu, confinement="none"))


def test_the_cranium_keeps_the_skull_and_sets_scalp_face_and_far_bone_to_air():
    hu = _with_blood_and_a_face(head_slice(bone_mm=4))
    hu[28:32, 120:136] = 65.0  # a lens against the inner table (the brain's top edge is row 28)
    hu[30:34, 20:40] = BONE_HU  # a bone of the face, far from the skull
    confined = confine(hu, "cranium")
    inside = brain_region()
    np.testing.assert_array_equal(confined[inside], hu[inside])
    skull = (hu == BONE_HU) & ~inside
    skull[30:34, 20:40] = False
    assert (confined[skull] == BONE_HU).all()  # 4 px of bone at 1 mm: within the band
    assert (confined[30:34, 20:40] == AIR_HU).all()
    scalp = hu == SCALP_HU
    assert (confined[scalp] == AIR_HU).all() and (confined[8:14, 120:136] == AIR_HU).all()


def test_the_cranium_band_stops_at_its_width():
    thick = head_slice(bone_mm=int(3 * SKULL_BAND_MM))  # 18 mm of bone at about 1 mm a pixel
    confined = confine(thick, "cranium")
    bone = thick == BONE_HU
    kept = (confined == BONE_HU) & bone
    assert 0.2 < kept.sum() / bone.sum() < 0.6  # the inner third or so of a skull three bands thick
    wide = confine(thick, "cranium", skull_band_mm=4 * SKULL_BAND_MM)
    assert ((wide == BONE_HU) & bone).sum() > 0.95 * bone.sum()  # a band wider than the skull keeps all of it
