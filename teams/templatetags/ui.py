"""Small presentation helpers shared by every template."""

from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def widget(field: forms.BoundField) -> SafeString:
    """Render a form field's widget with Bootstrap classes and error state."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    attrs: dict[str, str | bool] = {"class": f"{existing} {css}".strip()}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def minutes_label(minute: int) -> str:
    """540 → "09:00"; 1440 → "24:00"."""
    return f"{minute // 60:02d}:{minute % 60:02d}"
