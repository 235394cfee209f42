"""Choice widgets that write their options in Python, for the shared filter's form.

The filter form is on every list and on the dashboard, with dozens of options (every
assignee, every sector). Django renders each option through its own template include,
which made the form cost more than the dashboard's figures. These widgets write exactly
the markup of Django's templates (`django/forms/widgets/select.html`,
`multiple_input.html` and the templates they include; a test compares them for every
field of the filter), escaping every value.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """`django/forms/widgets/attrs.html`."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        )
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped above


def _select(widget: dict[str, Any]) -> SafeString:
    html = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            html.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in options:
            html.append(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n',
                    option["value"],
                    _attrs(option["attrs"]),
                    option["label"],
                )
            )
        if group_name:
            html.append(mark_safe("\n  </optgroup>"))
    html.append(mark_safe("\n</select>"))
    return mark_safe("".join(html))  # noqa: S308 - every part escaped above


def _input(widget: dict[str, Any]) -> SafeString:
    value = widget["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>\n',
        widget["type"],
        widget["name"],
        format_html(' value="{}"', value) if value is not None else "",
        _attrs(widget["attrs"]),
    )


def _multiple_input(widget: dict[str, Any]) -> SafeString:
    identifier, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    html = [
        format_html(
            "<div{}{}>",
            format_html(' id="{}"', identifier) if identifier else "",
            format_html(' class="{}"', css) if css else "",
        )
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            html.append(format_html("\n  <div><label>{}</label>", group))
        for option in options:  # Django's choice widgets always wrap the label
            label_for = option["attrs"].get("id")
            html.append(
                format_html(
                    "<div>\n    <label{}>{} {}</label>\n\n</div>",
                    format_html(' for="{}"', label_for) if label_for else "",
                    _input(option),
                    option["label"],
                )
            )
        if group:
            html.append(mark_safe("\n  </div>"))
    html.append(mark_safe("\n</div>"))
    return mark_safe("".join(html))  # noqa: S308 - every part escaped above


class QuickSelect(forms.Select):
    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        return _select(self.get_context(name, value, attrs)["widget"])


class QuickCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        return _multiple_input(self.get_context(name, value, attrs)["widget"])
