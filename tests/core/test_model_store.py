import json

import pytest

from core.model_store import CARD_FILE, StoreError, available_versions, paired_input, read_card, resolve, write_card
from tests.model_cards import card_data, make_version, model_card


def test_the_highest_version_with_a_saved_model_is_served_unless_one_is_pinned(tmp_path):
    for version in (1, 3, 2):
        make_version(tmp_path, "m", version)
    make_version(tmp_path, "m", 9, saved_model=False)
    assert available_versions(tmp_path, "m") == [1, 2, 3]
    assert resolve(tmp_path, "m").version == 3
    pinned = resolve(tmp_path, "m", pinned=2)
    assert (pinned.version, pinned.card.version, pinned.path) == (2, 2, tmp_path / "m" / "2")


def test_a_missing_model_or_version_is_named(tmp_path):
    make_version(tmp_path, "m", 1)
    with pytest.raises(StoreError, match=r"'m' has no version 4; available: \[1\]"):
        resolve(tmp_path, "m", pinned=4)
    with pytest.raises(StoreError, match="no SavedModel versions of 'other'"):
        resolve(tmp_path, "other")


def test_a_card_that_does_not_validate_is_refused_naming_the_field(tmp_path):
    card = card_data("m", 1)
    card["input"]["shape"] = [None, 256, 256]
    make_version(tmp_path, "m", 1, card)
    with pytest.raises(StoreError, match=r"does not validate: input\.shape"):
        resolve(tmp_path, "m")


def test_a_card_that_is_not_json_is_refused(tmp_path):
    folder = make_version(tmp_path, "m", 1)
    (folder / CARD_FILE).write_text("{")
    with pytest.raises(StoreError, match="missing or not JSON"):
        read_card(folder)


def test_a_card_copied_from_another_version_is_refused(tmp_path):
    make_version(tmp_path, "m", 2, card_data("m", 1))
    with pytest.raises(StoreError, match="its card describes 'm' version 1"):
        resolve(tmp_path, "m")


def test_write_card_refuses_an_invalid_card_and_writes_nothing(tmp_path):
    with pytest.raises(StoreError, match="refusing to write an invalid card"):
        write_card(tmp_path, card_data("m", 1, threshold=-1))
    assert not (tmp_path / CARD_FILE).exists()


def test_write_then_read_gives_the_same_card(tmp_path):
    data = card_data("m", 1, segmenter=True)
    written = write_card(tmp_path, data)
    assert read_card(tmp_path) == written
    assert json.loads((tmp_path / CARD_FILE).read_text()) == data


def test_models_used_together_must_take_the_same_input():
    two = model_card("c", 1, context_slices=2)
    assert paired_input(two, model_card("s", 1, segmenter=True, context_slices=2)).context_slices == 2
    assert paired_input(model_card("c", 1), model_card("s", 1, segmenter=True)).context_slices == 0
    with pytest.raises(StoreError, match=r"different inputs \(c v1: \[None, 256, 256, 15\], context 2, confinement"):
        paired_input(two, model_card("s", 1, segmenter=True))
    confined = model_card("c", 1, confinement="intracranial")
    assert paired_input(confined, model_card("s", 1, segmenter=True, confinement="intracranial")).confinement == (
        "intracranial"
    )
    with pytest.raises(StoreError, match="confinement intracranial, s v1: .*confinement none"):
        paired_input(confined, model_card("s", 1, segmenter=True))
