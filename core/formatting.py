"""How numbers are written for people, the same on every page, message and export."""

from decimal import Decimal, InvalidOperation


def format_credits(value) -> str:
    """A credit value with at most one decimal place and no trailing zero ("2", "2.5"); '—' when empty."""
    if value in (None, ""):
        return "—"
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if not value.is_finite():
        return str(value)
    return f"{value.quantize(Decimal('0.1')):f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
