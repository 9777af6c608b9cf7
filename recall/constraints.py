"""Telling which unique constraint an IntegrityError is about, on both databases."""

from __future__ import annotations

from django.db import IntegrityError, models


def violated(error: IntegrityError, model: type[models.Model], name: str) -> bool:
    """PostgreSQL names the constraint in its message; SQLite names the table's columns."""
    text = str(error)
    if name in text:
        return True
    constraint = next(c for c in model._meta.constraints if c.name == name)
    table = model._meta.db_table
    columns = ", ".join(f"{table}.{model._meta.get_field(f).column}" for f in constraint.fields)
    return f"UNIQUE constraint failed: {columns}" in text
