"""Anyone follows a petition without signing: a confirmation link first (double opt-in, a page
with a button), then a message at each change of state, once, with a link to stop; nobody
learns who follows what; the addresses go with the petition's personal data."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from recall.models import PetitionFollower
from recall.notifications import sms
from recall.services import lifecycle
from recall.services.notices import follow, outbox
from recall.services.privacy import retention


def ask(client, petition, channel, address, django_capture_on_commit_callbacks, language="en"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/{language}/petitions/{petition.pk}/follow/", {"channel": channel, "address": address})


def link_in(text):
    return re.search(r"http://\S+/follow/[\w-]+/(?:stop/)?", text).group().replace("http://127.0.0.1:8000", "")


@pytest.fixture
def followed(client, collecting, django_capture_on_commit_callbacks):
    """An e-mail address that confirmed, following a petition collecting signatures."""
    ask(client, collecting, "email", "Voter@Example.KZ", django_capture_on_commit_callbacks)
    confirm = link_in(mail.outbox[-1].body)
    client.post(confirm)
    mail.outbox.clear()
    return collecting


def test_the_petition_page_links_the_follow_form(client, collecting):
    assert (
        f'href="/en/petitions/{collecting.pk}/follow/"'
        in client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    )


def test_following_by_email_is_confirmed_with_a_button_not_by_opening_the_link(
    client, collecting, django_capture_on_commit_callbacks
):
    response = ask(client, collecting, "email", "voter@example.kz", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == f"/en/petitions/{collecting.pk}/follow/sent/"
    assert "We have sent an e-mail with a link" in client.get(response.url).content.decode()
    (message,) = mail.outbox
    assert message.to == ["voter@example.kz"] and f"petition No. {collecting.pk} to recall" in message.body
    confirm = link_in(message.body)
    page = client.get(confirm).content.decode()  # a mail scanner opening the link confirms nothing
    assert "Yes, tell me when it changes" in page
    assert PetitionFollower.objects.get().confirmed_at is None
    assert "Confirmed" in client.post(confirm).content.decode()
    assert PetitionFollower.objects.get().confirmed_at is not None


def test_following_by_text_message(client, collecting, django_capture_on_commit_callbacks):
    ask(client, collecting, "sms", "8 701 555 44 33", django_capture_on_commit_callbacks, language="ru")
    (message,) = sms.outbox
    assert message.phone == "+77015554433"
    assert message.text.startswith("Петиции об отзыве депутатов:") and "/ru/follow/" in message.text


def test_a_bad_address_is_said_next_to_the_field(client, collecting):
    html = client.post(f"/en/petitions/{collecting.pk}/follow/", {"channel": "sms", "address": "12"}).content.decode()
    assert "Enter a Kazakh mobile number" in html and not PetitionFollower.objects.exists()


def _announce(petition_id, state):
    """A followers' notice written and sent as its task does; how many messages it sent."""
    return outbox.process(outbox.announce("follow", petition_id, state, petition_id=petition_id).pk)


def test_each_change_of_state_is_told_once_with_a_link_to_stop(
    client, followed, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.withdraw(followed, actor=alice, reason="The group withdrew.")
    texts = [m.body for m in mail.outbox]
    assert len(texts) == 1 and mail.outbox[0].to == ["Voter@example.kz"]
    assert f"petition No. {followed.pk} to recall" in texts[0] and "is now: withdrawn" in texts[0]
    # The same state announced again (a retried change) tells nobody twice.
    assert _announce(followed.pk, "withdrawn") == 0
    stop = link_in(texts[-1].split("To stop these messages:")[1])
    assert "Stop the messages" in client.get(stop).content.decode()
    assert "no more messages" in client.post(stop).content.decode()
    assert PetitionFollower.objects.get().stopped_at is not None
    followed.refresh_from_db()
    PetitionFollower.objects.update(told_state="")
    assert _announce(followed.pk, followed.state) == 0  # stopped: told nothing more


def test_nobody_learns_whether_an_address_follows(client, followed, django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=follow.RESEND_MINUTES + 1)):
        first = ask(client, followed, "email", "voter@example.kz", django_capture_on_commit_callbacks)
        stranger = ask(client, followed, "email", "other@example.kz", django_capture_on_commit_callbacks)
    assert first.status_code == stranger.status_code == 302 and first.url == stranger.url
    # The address that follows already is sent its link to stop, not a second confirmation.
    to_follower = next(m for m in mail.outbox if m.to == ["Voter@example.kz"])
    assert "already follows" in to_follower.body and "/stop/" in to_follower.body
    # Asked again at once, nothing more is sent (and the page says the same).
    again = ask(client, followed, "email", "voter@example.kz", django_capture_on_commit_callbacks)
    assert again.url == first.url and len(mail.outbox) == 2


def test_one_address_gets_a_bounded_number_of_messages(
    client, collecting, voters, settings, django_capture_on_commit_callbacks
):
    settings.RECALL_FOLLOW_MESSAGES_PER_DAY = 1
    ask(client, collecting, "email", "voter@example.kz", django_capture_on_commit_callbacks)
    again = ask(client, collecting, "email", "voter@example.kz", django_capture_on_commit_callbacks)
    assert again.status_code == 200 and "Too many requests for this address today" in again.content.decode()
    assert len(mail.outbox) == 1


def test_a_purge_forgets_the_followers(followed, alice):
    lifecycle.withdraw(followed, actor=alice, reason="The group withdrew.")
    retention.purge(followed.pk, as_of=timezone.localdate() + dt.timedelta(days=400))
    assert not PetitionFollower.objects.exists()
