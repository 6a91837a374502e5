"""Procedural axial non-contrast head-CT phantoms in HU, with hemorrhage masks and subtype labels."""

from training.phantoms.generator import PhantomSlice, generate_batch, generate_phantom

__all__ = ["PhantomSlice", "generate_batch", "generate_phantom"]
