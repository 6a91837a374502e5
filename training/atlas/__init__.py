"""Head CT phantoms built on Rorden's average head CT (training/atlas/data, BSD-2): whole 3-D heads
with pose, individual shape, restored sharpness, bleeds and their mimics, sliced at any thickness."""

from training.atlas.volume import HeadVolume, generate_slice, generate_volume

__all__ = ["HeadVolume", "generate_slice", "generate_volume"]
