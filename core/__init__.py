"""Code shared by training and serving: HU windowing, resizing and the Dice metric.

Training and serving both import from here and nowhere else, so they cannot drift apart.
"""
