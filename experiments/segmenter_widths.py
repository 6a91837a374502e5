"""How the ResUNet's width moves its speed and its compute efficiency on this CPU, with random weights.

`python -m experiments.segmenter_widths` exports ResUNets of base width 16 (shipped), 24 and 32 as SavedModels to a
temporary folder, times each on batches of 8 slices, interleaved with the fp32 matmul peak, and prints GFLOP per
slice, ms per slice and efficiency. Wider layers fill AVX-512 better, so efficiency rises while each slice costs more.
"""

import json
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.floor import frozen_graph, graph_flops, matmul_flops, peak_matmul

WIDTHS = (16, 24, 32)
ROUNDS, BATCH = 6, 8


def main() -> None:
    import tensorflow as tf

    from training.models.resunet import get_resunet

    models, flops = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for width in WIDTHS:
            path = Path(folder) / str(width)
            get_resunet((256, 256), base_width=width).export(str(path), verbose=False)
            flops[width] = matmul_flops(graph_flops(frozen_graph(path)))
            models[width] = tf.saved_model.load(str(path))
        batch = tf.constant(np.random.default_rng(0).random((BATCH, 256, 256, 3), np.float32))
        for model in models.values():
            model.serve(batch)
        times, peaks = {width: [] for width in WIDTHS}, []
        for _ in range(ROUNDS):
            peaks.append(peak_matmul("fp32")["peak_flops"])
            for width, model in models.items():
                started = time.perf_counter()
                model.serve(batch).numpy()
                times[width].append((time.perf_counter() - started) / BATCH)
    peak = max(peaks)
    result = {
        f"base_width_{width}": {
            "gflop_per_slice": round(flops[width] / 1e9, 3),
            "ms_per_slice_median": round(float(np.median(times[width])) * 1000, 1),
            "ms_per_slice_min": round(min(times[width]) * 1000, 1),
            "efficiency": round(flops[width] / float(np.median(times[width])) / peak, 3),
        }
        for width in WIDTHS
    }
    print(json.dumps({"peak_fp32_gflops": round(peak / 1e9, 1), **result}, indent=1))


if __name__ == "__main__":
    main()
