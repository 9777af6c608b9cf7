"""The commission's deadlines (recall.services.lifecycle.deadlines, recall.calendar): due dates over
Kazakhstan's public holidays, reminders once per deadline, late decisions audited as late."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from recall.calendar import add_days, local_midnight, working_days_before
from recall.models import (
    AuditEntry,
    DayCount,
    DeadlineKind,
    DeadlineReminder,
    NoticeMessage,
    NoticeState,
    Petition,
    PetitionState,
    PublicHoliday,
)
from recall.services import lifecycle
from recall.services.lifecycle import deadlines
from recall.services.notices import outbox
from tests.helpers import application, walk

CALENDAR, WORKING = DayCount.CALENDAR, DayCount.WORKING


def at(day: str, hour: int = 10) -> dt.datetime:
    return local_midnight(dt.date.fromisoformat(day)) + dt.timedelta(hours=hour)


def d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


@pytest.mark.django_db
def test_the_seeded_holidays_are_kazakhstans():
    independence = PublicHoliday.objects.get(day=d("2026-12-16"))
    assert independence.source == PublicHoliday.Source.PACKAGE and independence.is_day_off
    assert PublicHoliday.objects.filter(day__year=2030).count() >= 15


@pytest.mark.django_db
def test_a_calendar_period_ending_on_a_holiday_ends_on_the_next_working_day():
    # 6 December 2026 + 10 days is Independence Day (Wednesday 16 December).
    assert add_days(d("2026-12-06"), 10, CALENDAR) == d("2026-12-17")
    # Ending on a Saturday: the Monday.
    assert add_days(d("2026-12-02"), 10, CALENDAR) == d("2026-12-14")
    assert add_days(d("2026-12-01"), 10, CALENDAR) == d("2026-12-11")


@pytest.mark.django_db
def test_a_working_day_period_skips_weekends_and_holidays():
    # Friday 11 December + 3 working days: Mon 14, Tue 15, (Wed 16 a holiday), Thu 17.
    assert add_days(d("2026-12-11"), 3, WORKING) == d("2026-12-17")
    assert working_days_before(d("2026-12-17"), 2) == d("2026-12-14")


@pytest.mark.django_db
def test_an_officials_corrections_to_the_holidays_count():
    PublicHoliday.objects.filter(day=d("2026-12-16")).update(is_day_off=False)  # made a working day
    PublicHoliday.objects.create(day=d("2026-12-14"), name="Decree: day off moved")
    assert add_days(d("2026-12-11"), 3, WORKING) == d("2026-12-17")  # Tue 15, Wed 16, Thu 17
    assert add_days(d("2026-12-11"), 1, WORKING) == d("2026-12-15")


@pytest.mark.django_db
def test_a_saturday_made_a_working_day_by_decree_counts():
    # Saturday 19 December 2026 made a working day (a day off moved by decree to another date).
    PublicHoliday.objects.create(day=d("2026-12-19"), name="Decree: working Saturday", is_day_off=False)
    # Friday 18 + 1 working day: that Saturday, not Monday 21.
    assert add_days(d("2026-12-18"), 1, WORKING) == d("2026-12-19")
    assert working_days_before(d("2026-12-21"), 1) == d("2026-12-19")
    # A calendar period ending on it ends on it.
    assert add_days(d("2026-12-09"), 10, CALENDAR) == d("2026-12-19")
    # The next Saturday is a day off as usual.
    assert add_days(d("2026-12-25"), 1, WORKING) == d("2026-12-28")


@pytest.mark.django_db
def test_a_year_not_loaded_yet_falls_back_to_the_package():
    assert not PublicHoliday.objects.filter(day__year=2035).exists()
    # Friday 14 December 2035 + 1 working day: Monday 17 is Independence Day (observed).
    assert add_days(d("2035-12-14"), 1, WORKING) == d("2035-12-18")


@pytest.mark.django_db
def test_an_unknown_day_count_is_refused():
    with pytest.raises(ValueError, match="unknown day count"):
        add_days(d("2026-12-01"), 3, "lunar")


@pytest.mark.django_db
def test_load_public_holidays_adds_a_year_and_keeps_corrections(capsys):
    PublicHoliday.objects.create(day=d("2035-12-16"), name="Тәуелсіздік күні (corrected)")
    call_command("load_public_holidays", "2035")
    assert PublicHoliday.objects.get(day=d("2035-12-16")).name == "Тәуелсіздік күні (corrected)"
    assert PublicHoliday.objects.filter(day__year=2035, source="package").count() >= 15
    assert "already stored" in capsys.readouterr().out


def test_the_application_is_due_by_the_policys_working_days(karaganda, voters, policy):
    policy.deadline_day_count = WORKING
    policy.registration_days = 3
    policy.save()
    petition = application(karaganda, voters[:3], applied_at=at("2026-12-11"))
    assert petition.registration_due == d("2026-12-17")


def test_the_verification_period_runs_from_the_submission(collecting, bob, policy):
    collecting = walk(collecting, PetitionState.THRESHOLD_REACHED)
    collecting.refresh_from_db()
    with time_machine.travel(at("2026-12-06"), tick=False):
        lifecycle.submit(collecting, actor=bob)
    with time_machine.travel(at("2026-12-09"), tick=False):
        petition = lifecycle.start_verification(Petition.objects.get(pk=collecting.pk), actor=bob)
    assert petition.verification_due == d("2026-12-17")  # 6 Dec + 10 = 16 Dec, a holiday


def _registration_entry(petition: Petition) -> AuditEntry:
    return AuditEntry.objects.get(petition=petition, action="petition.state_changed", details__step="register")


def test_a_registration_after_the_due_date_is_audited_as_late(karaganda, voters, bob, policy):
    petition = application(karaganda, voters[:3], applied_at=at("2026-12-01"))
    assert petition.registration_due == d("2026-12-11")
    with time_machine.travel(at("2026-12-14"), tick=False):
        lifecycle.register(petition, actor=bob)
    entry = _registration_entry(petition)
    assert (entry.details["late"], entry.details["due"]) == (True, "2026-12-11")


def test_a_registration_on_the_due_date_is_on_time(karaganda, voters, bob, policy):
    petition = application(karaganda, voters[:3], applied_at=at("2026-12-01"))
    with time_machine.travel(at("2026-12-11", hour=23), tick=False):
        lifecycle.register(petition, actor=bob)
    assert _registration_entry(petition).details["late"] is False


def test_a_late_refusal_is_audited_as_late(karaganda, voters, bob, policy):
    petition = application(karaganda, voters[:3], applied_at=at("2026-12-01"))
    with time_machine.travel(at("2026-12-12"), tick=False):
        lifecycle.refuse(petition, actor=bob, reason="The group is not of the district.")
    entry = AuditEntry.objects.get(petition=petition, details__step="refuse")
    assert entry.details["late"] is True


def test_overdue_lists_only_petitions_past_a_running_deadline(karaganda, voters, policy):
    late = application(karaganda, voters[:3], applied_at=at("2026-12-01"))
    with time_machine.travel(at("2026-12-14"), tick=False):
        assert list(deadlines.overdue()) == [late]
        assert deadlines.is_overdue(late)
        lifecycle.register(late, actor=None)
        assert list(deadlines.overdue()) == []  # registered: the deadline no longer runs


# --- Reminders ------------------------------------------------------------------------------


def _remind(today, capture):
    """Beat's task: the reminders' e-mails go through the notice outbox after commit."""
    with capture(execute=True):
        return deadlines.send_reminders(today=today)


def test_the_commission_is_reminded_once_before_the_deadline(
    karaganda, voters, bob, policy, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"  # the notices' language, to read them here
    petition = application(karaganda, voters[:3], applied_at=at("2026-12-01"))  # due Friday 11 December
    mail.outbox.clear()
    capture = django_capture_on_commit_callbacks
    assert _remind(d("2026-12-08"), capture) == 0  # three working days before: not yet
    assert _remind(d("2026-12-09"), capture) == 1  # two working days before
    assert _remind(d("2026-12-10"), capture) == 0  # once only
    assert len(mail.outbox) == 2  # bob and his commission's address, one e-mail each
    assert bob.email in [m.to[0] for m in mail.outbox]
    for message in mail.outbox:
        assert f"No. {petition.pk}" in message.subject and "11.12.2026" in message.subject
    reminder = DeadlineReminder.objects.get(petition=petition)
    assert (reminder.kind, reminder.due) == (DeadlineKind.REGISTRATION, d("2026-12-11"))
    assert reminder.recipients == 2
    assert reminder.sent_at is not None


def test_the_verification_deadline_gets_its_own_reminder(
    collecting, bob, policy, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"
    collecting = walk(collecting, PetitionState.SUBMITTED)
    Petition.objects.filter(pk=collecting.pk).update(verification_due=d("2026-12-17"))  # a given due date
    DeadlineReminder.objects.create(petition=collecting, kind=DeadlineKind.REGISTRATION, due=d("2026-12-01"))
    mail.outbox.clear()
    # Two working days before Thursday 17 December is Monday 14 (Wednesday 16 is a holiday).
    assert _remind(d("2026-12-11"), django_capture_on_commit_callbacks) == 0
    assert _remind(d("2026-12-14"), django_capture_on_commit_callbacks) == 1
    assert "certify" in mail.outbox[0].subject


def test_a_deadline_missed_without_a_reminder_is_still_reminded_in_the_officials_language(
    karaganda, voters, bob, policy, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "kk"
    application(karaganda, voters[:3], applied_at=at("2026-12-01"))
    mail.outbox.clear()
    assert _remind(d("2026-12-20"), django_capture_on_commit_callbacks) == 1
    assert "11.12.2026 дейін тіркеңіз" in mail.outbox[0].subject


def test_no_reminder_for_a_decided_application(karaganda, voters, bob, policy):
    petition = application(karaganda, voters[:3], applied_at=at("2026-12-01"))
    lifecycle.register(petition, actor=bob)
    assert deadlines.send_reminders(today=d("2026-12-10")) == 0


def test_a_failed_reminder_is_tried_again(karaganda, voters, bob, policy, settings, django_capture_on_commit_callbacks):
    application(karaganda, voters[:3], applied_at=at("2026-12-01"))
    settings.EMAIL_BACKEND = "tests.services.test_deadlines.FailingBackend"
    assert _remind(d("2026-12-10"), django_capture_on_commit_callbacks) == 1  # claimed, its e-mails in the outbox
    assert mail.outbox == [] and DeadlineReminder.objects.count() == 1
    pending = NoticeMessage.objects.filter(state=NoticeState.PENDING)
    assert pending.count() == 2 and all("smtp down" in m.error for m in pending)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert _remind(d("2026-12-10"), django_capture_on_commit_callbacks) == 0  # not claimed twice
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):  # the first backoff is 30 s
        assert outbox.sweep() == {"expanded": 0, "sent": 2}
    assert len(mail.outbox) == 2 and not NoticeMessage.objects.filter(state=NoticeState.PENDING).exists()


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_the_reminder_task_is_scheduled_by_beat(settings):
    from recall import task_names

    assert any(e["task"] == task_names.SEND_DEADLINE_REMINDERS for e in settings.CELERY_BEAT_SCHEDULE.values())
    assert timezone.localdate()  # the task runs in the service's time zone
