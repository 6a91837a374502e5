"""Infer: a stack of HU slices through both models, then postprocessed; a lone slice is a stack of one."""
