"""Form widgets written in Python where Django's template-per-option rendering is the cost.

Django renders every ``<option>`` of a ``Select`` through two templates (the option and its
attributes). A filter bar whose 学校 list holds a district's 180 schools rendered ~400 templates
per request: the largest single cost of the queue and list pages under load. ``PlainSelect``
gives the same HTML (up to whitespace between tags), built with ``format_html``."""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: in order, True as a bare name, False left out."""
    return format_html_join("", "{}", ((format_html(" {}", k) if v is True else format_html(' {}="{}"', k, str(v)),)
                                       for k, v in attrs.items() if v is not False and v is not None))


class PlainSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            parts.extend(format_html('<option value="{}"{}>{}</option>', str(o["value"]), _attrs(o["attrs"]), o["label"])
                         for o in options)
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))
