"""The petition page's live parts are built on every uncached request without the template
engine: the same text, escaped, in each language, from a petition read in one query."""

import datetime as dt

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from recall import l10n
from recall.models import Deputy, District, Petition
from recall.services.public.stations import Breakdown, Station
from recall.web import live

SCRIPT = "<script>alert(1)</script>"
LANGUAGES = ("kk", "ru", "en")


def page(client, petition, language="en") -> str:
    return client.get(f"/{language}/petitions/{petition.pk}/").content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_deputy_and_a_district_named_with_markup_show_as_text(client, collecting, language):
    Deputy.objects.filter(pk=collecting.deputy_id).update(full_name=SCRIPT)
    District.objects.filter(pk=collecting.district_id).update(name=SCRIPT, name_kk=SCRIPT, name_ru=SCRIPT)
    html = page(client, collecting, language)
    assert "<script>alert" not in html
    # The district's name opens the shared description, a live part.
    assert f'content="{escape(SCRIPT)}.' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_counts_read_in_the_pages_language(client, collecting, language):
    Petition.objects.filter(pk=collecting.pk).update(valid_count=1234, received_count=1300)
    html = page(client, collecting, language)
    with translation.override(language):
        assert f"<dt>{escape(gettext('Received'))}</dt><dd>{intcomma(1300)}</dd>" in html
        assert f"<dt>{escape(gettext('Counted (valid)'))}</dt><dd>{intcomma(1234)}</dd>" in html
        progress = gettext("<strong>%(valid)s</strong> valid signatures of %(required)s required")
        assert progress % {"valid": intcomma(1234), "required": intcomma(10)} in html
        days = collecting.window_end - timezone.now()
        left = days.days + (1 if days.seconds else 0)
        assert ngettext("%(days)s day left", "%(days)s days left", left) % {"days": left} in html
        if language != "en":
            assert gettext("Received") != "Received"


def test_witness_and_station_names_are_escaped(collecting):
    counted = timezone.now()
    parts = live.parts(
        live.Live(
            petition=collecting,
            description=SCRIPT,
            stations=Breakdown([Station(SCRIPT, 12)], 0, 0, 0, counted),
            stations_chart="",
            days_left=3,
            signable=True,
            closed_at=lambda: None,
            forecast=None,
            series=[],
            witness_names=[SCRIPT, "b.example/w"],
            by_identity=[(SCRIPT, 2)],
        )
    )
    assert parts["description"] == escape(SCRIPT)
    assert f"({escape(SCRIPT)}, b.example/w)</p>" in parts["ledger"]
    assert f"<tr><td>No. {escape(SCRIPT)}</td><td>12</td></tr>" in parts["stations"]
    assert f"{escape(SCRIPT)}: 2." in parts["counts"]
    assert "<script>" not in "".join(parts.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_and_days_read_as_the_templates_filters_show_them(language):
    at = dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC)
    with translation.override(language):
        for n in (0, 7, 1234, -1234567, 200_000):
            assert l10n.number(n) == intcomma(n)
        for pattern in ("j E Y", "j E", "SHORT_DATE_FORMAT", "DATE_FORMAT"):
            assert l10n.day(at.date(), pattern) == date_filter(at.date(), pattern)
        assert l10n.day(at, "j E Y, H:i") == date_filter(timezone.localtime(at), "j E Y, H:i")
        assert l10n.text("Received") == gettext("Received")
