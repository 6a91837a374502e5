"""Procedural axial non-contrast head-CT phantoms in HU, with hemorrhage masks and subtype labels."""

from training.phantoms.generator import PhantomSlice, generate_phantom, generate_batch

__all__ = ["PhantomSlice", "generate_phantom", "generate_batch"]
