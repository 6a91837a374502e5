"""Every section training writes into a model card, in one module. export_model adds the name, version and
framework, and validates the whole card against core.model_card before a model lands in a store."""

import os
import shlex
import sys

from core.cpuinfo import cpu_model
from core.model_card import input_spec
from core.model_input import NO_CONFINEMENT, Confinement
from training.config import ModelConfig
from training.held_out_forms import held_out_metrics
from training.outputs import OUTPUT_NAMES

# P(bleed) at or above which a segmenter pixel is mask; serving reads it from the card.
MASK_THRESHOLD = 0.5


def hardware(strategy) -> str:
    """What trained the model: CPU model and cores, GPUs by name, replicas in sync."""
    import tensorflow as tf

    cpu = cpu_model()
    gpus = [
        tf.config.experimental.get_device_details(g).get("device_name", g.name)
        for g in tf.config.list_physical_devices("GPU")
    ]
    return f"{cpu}, {os.cpu_count()} cores; {', '.join(gpus) or 'no GPU'}; {strategy.num_replicas_in_sync} replica(s) in sync"


def credits(description: dict) -> list[str]:
    """The licence credits the training data's description names (the atlas's, when atlas heads were drawn)."""
    found = []
    for value in description.values():
        if isinstance(value, dict):
            found += credits(value)
    credit = description.get("credit")
    return found + ([credit] if isinstance(credit, str) else [])


def data_sections(
    description: dict,
    augmentation: dict | None,
    size: tuple[int, int],
    context: int,
    confinement: Confinement = NO_CONFINEMENT,
) -> dict:
    """What both models of one run share: their data, input, credits and the command that reproduces them."""
    return {
        "training_data": description | {"augmentation": augmentation},
        "credits": credits(description),
        "input": input_spec(size, context, confinement).model_dump(mode="json", exclude_unset=True),
        "reproduce": f"python -m {_entry_module()} " + shlex.join(sys.argv[1:]),
    }


def _entry_module() -> str:
    """The module the run was started as (`python -m training`, or a study such as experiments.train_variant that
    wraps it), so that the card's command is the one that was run."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return spec.name.removesuffix(".__main__") if spec else "training"


def training_sections(result, epochs: int, strategy) -> dict:
    record = {
        "epochs": epochs,
        "seconds": round(result.seconds),
        "hardware": hardware(strategy),
        "history": result.history,
    }
    return {"training": record | ({"transfer_learning": result.transfer} if result.transfer else {})}


def classifier_sections(held_out: dict, operating_point: dict) -> dict:
    return {
        "task": "slice classification: P(any intracranial hemorrhage) and P(each subtype)",
        "output": {"name": "probabilities", "columns": list(OUTPUT_NAMES)},
        "threshold": operating_point["threshold"],
        "operating_point": operating_point,
        "metrics": held_out_metrics(held_out),
    }


def segmenter_sections(held_out: dict, models: ModelConfig) -> dict:
    return {
        "task": f"hemorrhage segmentation: P(hemorrhage) per pixel, mask = P >= {MASK_THRESHOLD:g}",
        "architecture": {
            "name": "Attention ResUNet" if models.attention else "ResUNet",
            "base_width": models.base_width,
            "attention_gates": models.attention,
            "loss": models.loss,
        },
        "output": {"name": "mask", "mask_threshold": MASK_THRESHOLD},
        "threshold": MASK_THRESHOLD,
        "metrics": held_out_metrics(held_out),
    }
