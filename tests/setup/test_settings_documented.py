"""Every RECALL_* setting the code reads is in one of the README's tables: a deployment learns
its settings there, so one missing is one nobody sets on purpose."""

from __future__ import annotations

import ast
import re

from tests.helpers import ROOT

CODE = ("config", "recall", "accounts")
# What reads a setting from the environment in config/settings/ (environ.Env and its typed forms).
ENV_READS = {"env", "bool", "int", "float", "list", "str", "path", "db", "cache", "json", "dict"}


def settings_read(source: str, settings_file: bool) -> set[str]:
    """The RECALL_* names ``source`` reads: ``settings.RECALL_X``, ``getattr(settings, "RECALL_X")``,
    and in a settings file each one read from the environment or assigned."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "settings":
            found.add(node.attr)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name == "getattr" and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "settings":
                found |= set(strings[:1])
            elif settings_file and name in ENV_READS:
                found |= set(strings[:1])
        elif settings_file and isinstance(node, ast.Assign):
            found |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {name for name in found if re.fullmatch(r"RECALL_[A-Z0-9_]+", name)}


def every_setting_read() -> dict[str, str]:
    where = {}
    for package in CODE:
        for path in sorted((ROOT / package).rglob("*.py")):
            settings_file = path.parent == ROOT / "config" / "settings"
            for name in settings_read(path.read_text(), settings_file):
                where.setdefault(name, str(path.relative_to(ROOT)))
    return where


def documented() -> set[str]:
    """The names in the first column of the README's tables."""
    names = set()
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("|"):
            first = line.split("|")[1]
            names |= set(re.findall(r"`(RECALL_[A-Z0-9_]+)`", first))
    return names


def test_every_recall_setting_the_code_reads_is_in_the_readmes_tables():
    missing = {name: path for name, path in every_setting_read().items() if name not in documented()}
    assert missing == {}, "add them to the README's table of settings"


def test_the_scan_sees_each_way_of_reading_a_setting():
    source = """
from django.conf import settings
from .base import env
RECALL_ASSIGNED = 1
RECALL_FROM_ENV = env.int("RECALL_FROM_ENV_NAME", default=1)
a = settings.RECALL_ATTRIBUTE
b = getattr(settings, "RECALL_GETATTR", None)
c = PetitionState.RECALL_VOTE
"""
    assert settings_read(source, settings_file=True) == {
        "RECALL_ASSIGNED",
        "RECALL_FROM_ENV",
        "RECALL_FROM_ENV_NAME",
        "RECALL_ATTRIBUTE",
        "RECALL_GETATTR",
    }
    assert settings_read(source, settings_file=False) == {"RECALL_ATTRIBUTE", "RECALL_GETATTR"}
    assert "RECALL_WEBHOOK_MAX_ENDPOINTS" in every_setting_read()
