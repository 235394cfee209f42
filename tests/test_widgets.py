"""cases/widgets.py: the filter's choice widgets write exactly what Django's templates write."""

from __future__ import annotations

import pytest
from django import forms
from django.http import QueryDict

from cases.filters import CaseFilter
from cases.models import Case
from cases.widgets import QuickCheckboxSelectMultiple, QuickSelect
from tests.factories import make_user

ORIGINAL = {
    QuickSelect: forms.Select,
    QuickCheckboxSelectMultiple: forms.CheckboxSelectMultiple,
}


@pytest.mark.parametrize(
    "params",
    [
        "",
        "state=closed&state=received&topic=werkdruk&sector=J&sector=null&channel=brief"
        "&inspector=null&investigated=yes&outcome=ingetrokken&overdue=no&only_topic=overig"
        "&repeat_employer=yes",
        "sector=Z&state=nonsense",  # invalid values are shown back as they were
    ],
)
def test_quick_widgets_write_what_djangos_templates_write(db, params: str) -> None:
    make_user("Inspecteur", username="j.<b>&amp", first_name='Jan "J" & <i>')
    form = CaseFilter(QueryDict(params), queryset=Case.objects.all()).form
    form.is_valid()
    checked = 0
    for name, field in form.fields.items():
        widget = field.widget
        original = ORIGINAL.get(type(widget))
        if original is None:
            continue
        bound = form[name]
        quick = bound.as_widget()
        widget.__class__ = original  # the same widget, rendered by Django's templates
        try:
            assert quick == bound.as_widget(), name
        finally:
            widget.__class__ = next(k for k, v in ORIGINAL.items() if v is original)
        checked += 1
    assert checked == 11
