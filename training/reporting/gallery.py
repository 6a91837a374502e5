"""Keep the best and worst segmented slices while streaming, for an overlay gallery."""

import heapq

from training.reporting.scoring import Overlay

GALLERY_SIZE = 6


class BestAndWorst:
    """Called with each positive slice's Overlay; holds only the k best and k worst by Dice."""

    def __init__(self, k: int = GALLERY_SIZE):
        self.k = k
        self._best: list[tuple[float, int, Overlay]] = []
        self._worst: list[tuple[float, int, Overlay]] = []
        self._seen = 0

    def __call__(self, overlay: Overlay) -> None:
        self._seen += 1  # breaks ties so Overlays are never compared
        for heap, key in ((self._best, overlay.dice), (self._worst, -overlay.dice)):
            heapq.heappush(heap, (key, self._seen, overlay))
            if len(heap) > self.k:
                heapq.heappop(heap)

    def best(self) -> list[Overlay]:
        return [item[2] for item in sorted(self._best, key=lambda item: (-item[0], item[1]))]

    def worst(self) -> list[Overlay]:
        return [item[2] for item in sorted(self._worst, key=lambda item: (-item[0], item[1]))]
