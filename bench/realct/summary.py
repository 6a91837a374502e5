"""The run's short Markdown summary: the normal scan per form, the semi-real positives per form, the targets."""

from bench.realct.anatomy import LEVELS, LOCATIONS

SHORT = {
    "epidural": "EDH",
    "subdural": "SDH",
    "subarachnoid": "SAH",
    "intraparenchymal": "IPH",
    "intraventricular": "IVH",
}


def _f(value, digits=3) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"] + [
        "| " + " | ".join(row) + " |" for row in rows
    ]


def normal_table(normal: dict) -> list[str]:
    header = [
        "form",
        "scan answer",
        "P(scan)",
        "flagged",
        "bleed mL (answer)",
        "all masks mL (withheld too)",
        "slices with mask (withheld)",
        "slices with component > 10 mm²",
        "not assessed",
        "warnings",
    ]
    rows = [
        [
            f["label"],
            "positive" if f["scan_positive"] else "negative",
            _f(f["scan_probability"]),
            f"{f['flagged_slices']}/{f['slices']}",
            _f(f["bleed_volume_ml"], 2),
            _f(f["all_masks_ml"], 2),
            f"{f['slices_with_mask']} ({f.get('slices_with_withheld_mask', 0)})",
            f"{f['slices_with_component_over_10mm2']} ({f['share_with_component_over_10mm2']:.0%})",
            str(f["not_assessed_slices"]),
            ", ".join(f["warnings"]) or "-",
        ]
        for f in normal.values()
    ]
    return _table(header, rows)


def location_table(normal: dict) -> list[str]:
    header = ["form"] + [f"mask mm² in {loc}" for loc in LOCATIONS]
    rows = [[f["form"]] + [_f(f["component_mm2_by_location"][loc], 0) for loc in LOCATIONS] for f in normal.values()]
    return _table(header, rows)


def level_table(normal: dict) -> list[str]:
    header = ["form"] + [f"flagged: {level}" for level in LEVELS]
    rows = [[f["form"]] + [str(f["flagged_by_level"][level]) for level in LEVELS] for f in normal.values()]
    return _table(header, rows)


def semi_real_table(semi: dict) -> list[str]:
    if not semi:
        return []
    types = list(next(iter(semi.values()))["by_type"])
    header = ["form", "AUC", "sensitivity", "specificity", "Dice", "Dice, segmenter alone"]
    header += [f"{SHORT[t]} sens / Dice" for t in types]
    header += ["AUC vs whole scan", "spec. at 90 % sens. vs whole scan"]
    rows = []
    for name, f in semi.items():
        whole = f.get("against_whole_scan", {})  # reports recorded before it have none
        rows.append(
            [name, _f(f["auc"]), _f(f["sensitivity"]), _f(f["specificity"]), _f(f["dice"]), _f(f.get("segmenter_dice"))]
            + [f"{_f(f['by_type'][t]['sensitivity'], 2)} / {_f(f['by_type'][t]['dice'], 2)}" for t in types]
            + [_f(whole.get("auc")), _f(whole.get("specificity_at_90_sensitivity"))]
        )
    return _table(header, rows)


def scan_rule_lines(rules: dict | str | None) -> list[str]:
    """One line per input form's rule; reports recorded before rules per form hold one rule as text."""
    if isinstance(rules, str):
        return [f"Scan rule: {rules}."]
    return [f"Scan rule for {form} input: {rule}." for form, rule in (rules or {}).items()]


def summary_markdown(report: dict) -> str:
    meta = report["meta"]
    semi = report["semi_real"]
    any_semi = next(iter(semi.values()), None)
    lines = [
        f"# Real-scan bench: {meta['scan']}",
        "",
        (
            f"{meta['date']} · classifier v{meta['classifier_version']}, ResUNet v{meta['segmenter_version']} · "
            f"{meta['engine']} · threshold {meta['threshold']:.3f} · {report['seconds']} s · `{meta['command']}`"
        ),
        "",
        *scan_rule_lines(meta.get("scan_rule")),
        "",
        "## Real normal scan (the truth: no bleed anywhere)",
        "",
        *normal_table(report["normal"]),
        "",
        (
            "Where the mask components lie (brain: inside the skull, > 5 mm from the inner table; inner_table: within "
            "5 mm of it; extracranial: scalp, orbits, sinuses, face):"
        ),
        "",
        *location_table(report["normal"]),
        "",
        *level_table(report["normal"]),
        "",
    ]
    if any_semi:
        lines += [
            (
                f"## Semi-real positives ({any_semi['positives']} bleeds pasted into real slices, "
                f"{any_semi['negatives']} untouched slices of the same levels)"
            ),
            "",
            (
                "The last two columns rank the positives against every assessed slice of the normal scan, skull base "
                "and vertex included: the private real set is judged by its AUC and its specificity at 90 % "
                "sensitivity, whatever threshold a model is served with. Figures on one scan, not targets."
            ),
            "",
            *semi_real_table(semi),
            "",
        ]
    lines += ["## Targets for the next models", "", "```", *[c["line"] for c in report["checks"]], "```", ""]
    return "\n".join(lines)
