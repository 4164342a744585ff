"""Template filters for printed forms: ``{% load core_pdf %}``, then ``{{ name|pdf_text }}``."""

from decimal import Decimal, InvalidOperation

from django import template

from core.pdf import pdf_text as _pdf_text

register = template.Library()


@register.filter
def pdf_text(value):
    """Escaped; characters no font of the chain can draw are marked 「□U+XXXX」."""
    return _pdf_text(value)


@register.filter
def num(value):
    """A credit or hour value as the forms print it: 72, 0.5; empty stays empty."""
    if value in (None, ""):
        return ""
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    text = format(value.normalize(), "f")
    return text


@register.filter
def entry_option(entry):
    """The label of an entry's option (等级、级别、奖项) as the catalogue names it."""
    option = getattr(entry, "option", "")
    if not option:
        return ""
    for o in entry.item.options or []:
        if o.get("key") == option:
            return o.get("label", option)
    return option
