"""PlainSelect writes the HTML Django's Select writes through its templates (up to the whitespace
between tags): the same options, values, labels (escaped) and selection."""

import re

import pytest
from django import forms

from core.widgets import PlainSelect

CHOICES = [("", "全部学校"), (3, "双流区<第一>中学"), (12, "棠湖中学"), ("组", [("a", "甲"), ("b", "乙 & 丙")])]


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("value", [None, "", 12, "12", "b"])
def test_the_same_html_as_djangos_select(value):
    attrs = {"id": "id_school", "data-testid": "school"}
    expected = forms.Select(attrs=attrs, choices=CHOICES).render("school", value)
    got = PlainSelect(attrs=attrs, choices=CHOICES).render("school", value)
    assert _tags(got) == _tags(expected)
    assert re.findall(r'<option value="([^"]*)" selected>', got) == ["" if value is None else str(value)]


def test_the_queue_filters_use_it_and_keep_the_submitted_choice():
    from reviews.forms import QueueFilterForm

    form = QueueFilterForm({"status": "submitted"}, schools=[], years=[])
    assert isinstance(form.fields["status"].widget, PlainSelect)
    html = str(form["status"])
    assert '<option value="submitted" selected>' in html and html.count("<option") == len(form.fields["status"].choices)
