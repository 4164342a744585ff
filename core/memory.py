"""A process's resident memory, for the benchmarks that report a phase's own peak (Linux /proc)."""

from pathlib import Path


def status_kb(field: str) -> int | None:
    """A field of /proc/self/status in kB ("VmRSS", "VmHWM"); None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0), so that a phase's peak is its own and not
    that of the work before it; False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def phase_peak_kb(start_kb: int | None, end_kb: int | None) -> int | None:
    """The peak since ``reset_peak``: at least the start and end readings (the kernel's
    high-water mark lags its counters by a few hundred kB)."""
    return max((kb for kb in (status_kb("VmHWM"), start_kb, end_kb) if kb), default=None)
