"""The reads every uncached build of a petition's page and API detail makes, with SQL written once
per process: the same rows the ORM gives, in one query each."""

import datetime as dt

from django.utils import timezone

from recall import selectors
from recall.models import DailyTally


def test_the_petition_is_read_with_its_deputy_and_district_in_one_query(collecting, django_assert_num_queries):
    with django_assert_num_queries(1):
        petition = selectors.public_petition(collecting.pk)
        names = (petition.deputy.full_name, petition.district.name)
    orm = selectors.public_petitions().get(pk=collecting.pk)
    assert names == (orm.deputy.full_name, orm.district.name)
    for read, expected in ((petition, orm), (petition.deputy, orm.deputy), (petition.district, orm.district)):
        for field in type(expected)._meta.concrete_fields:
            assert getattr(read, field.attname) == getattr(expected, field.attname), field.name


def test_a_petition_not_yet_public_is_not_read(applied):
    assert selectors.public_petition(applied.pk) is None


def test_the_daily_series_is_in_day_order_with_its_running_total(collecting):
    today = timezone.localdate()
    for back, valid in ((0, 3), (2, 1), (1, 2)):
        DailyTally.objects.create(petition=collecting, day=today - dt.timedelta(days=back), valid=valid)
    series = selectors.daily_valid(collecting)
    assert [(d.date, d.valid, d.total) for d in series] == [
        (today - dt.timedelta(days=2), 1, 1),
        (today - dt.timedelta(days=1), 2, 3),
        (today, 3, 6),
    ]
