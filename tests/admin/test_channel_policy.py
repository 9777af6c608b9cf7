"""The central commission edits which channels a level accepts and which an official confirms
(RecallPolicy, admin); the change rules the next signature."""

import pytest
from django.urls import reverse

from recall.errors import ChannelNotAccepted
from recall.models import RecallPolicy
from recall.services import signing, verification
from tests.helpers import signer_of


def form_data(client, policy):
    """The change form as the page fills it in."""
    page = client.get(reverse("admin:recall_recallpolicy_change", args=[policy.pk]))
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def test_the_policy_page_shows_every_channel_with_its_confirmation(client, alice, policy):
    client.force_login(alice)
    page = client.get(reverse("admin:recall_recallpolicy_change", args=[policy.pk])).content.decode()
    for channel in ("eds", "egov_mobile", "web", "partner", "paper"):
        assert f'name="accept_{channel}"' in page and f'name="confirm_{channel}"' in page


def test_the_central_commission_refuses_a_channel_and_the_next_signature_is_refused(
    client, alice, policy, collecting, voters
):
    client.force_login(alice)
    data = form_data(client, policy)
    data.pop("accept_web")
    data["confirm_paper"] = "on"
    response = client.post(reverse("admin:recall_recallpolicy_change", args=[policy.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy = RecallPolicy.objects.get(pk=policy.pk)
    assert not policy.accept_web and policy.confirm_paper and policy.accept_eds
    with pytest.raises(ChannelNotAccepted):
        signing.sign_on_web(collecting.pk, signer_of(voters[10]))


def test_a_regional_commission_cannot_change_the_channels(client, bob, policy):
    client.force_login(bob)
    response = client.post(reverse("admin:recall_recallpolicy_change", args=[policy.pk]), {"level": "mazhilis"})
    assert response.status_code == 403
    assert RecallPolicy.objects.get(pk=policy.pk).accept_web


def test_the_petition_page_shows_the_edited_channels_at_once(client, alice, policy, collecting):
    page = f"/en/petitions/{collecting.pk}/"
    assert "a code by text message on this site" in client.get(page).content.decode()
    client.force_login(alice)
    data = form_data(client, policy)
    data.pop("accept_web")
    client.post(reverse("admin:recall_recallpolicy_change", args=[policy.pk]), data)
    client.logout()
    assert "a code by text message on this site" not in client.get(page).content.decode()
    api = client.get(f"/api/v1/petitions/{collecting.pk}/").json()
    assert "web" not in api["accepted_channels"]


def test_a_signature_of_a_channel_to_confirm_waits_in_the_queue_with_its_reason(
    client, bob, policy, collecting, voters
):
    RecallPolicy.objects.filter(pk=policy.pk).update(confirm_web=True)
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    verification.verify_all()
    client.force_login(bob)
    queue = client.get(reverse("admin:recall_reviewqueue_changelist")).content.decode()
    assert "the policy has an official confirm this channel" in queue
    response = client.post(reverse("admin:recall_signature_decide", args=[signature.pk]), {"decision": "valid"})
    assert response.status_code == 302
    collecting.refresh_from_db()
    assert (collecting.valid_count, collecting.valid_phone_count) == (1, 1)
