"""What /proc/cpuinfo says of this CPU: its model name and feature flags (the one reader serving, training and the
bench share)."""

from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def cpuinfo_field(name: str, cpuinfo: Path = CPUINFO) -> str | None:
    """The first processor's value of `name` (e.g. "model name", "flags"); None where the file or field is absent."""
    try:
        lines = cpuinfo.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


def cpu_model(cpuinfo: Path = CPUINFO) -> str:
    return cpuinfo_field("model name", cpuinfo) or "unknown CPU"


def cpu_flags(cpuinfo: Path = CPUINFO) -> set[str]:
    return set((cpuinfo_field("flags", cpuinfo) or "").split())
