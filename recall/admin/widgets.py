"""Admin widgets with what assistive technology needs (axe-core over the admin: tests/browser)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.translation import gettext_lazy as _


class LabelledSplitDateTime(AdminSplitDateTime):
    """Django's date-and-time pair, each input named: the field's one <label> points only at
    the first, so the second (and, in a fieldset, both) had no accessible name."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.widgets[0].attrs["aria-label"] = _("Date")
        self.widgets[1].attrs["aria-label"] = _("Time")
