"""A voter in a real browser where the commission accepts only paper sheets and partners: the
petition page says so in Kazakh, and the sign page offers no form."""

import pytest

from recall.models import RecallPolicy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_voter_sees_which_ways_of_signing_the_commission_accepts(page, shot, live_server, collecting):
    RecallPolicy.objects.filter(level=collecting.district.level).update(
        accept_web=False, accept_eds=False, accept_egov_mobile=False
    )
    page.goto(f"{live_server.url}/kk/petitions/{collecting.pk}/")
    accepted = page.get_by_test_id("accepted-channels").inner_text()
    assert "бастамашыл топтың қағаз қол қою парақтары" in accepted
    assert "аккредиттелген серіктестердің қызметтерін" in accepted and "SMS" not in accepted
    shot(page, "channels-01-petition-kazakh")
    page.goto(f"{live_server.url}/kk/petitions/{collecting.pk}/sign/")
    assert page.get_by_test_id("no-web-signing").is_visible()
    assert page.locator('input[name="iin"]').count() == 0
    shot(page, "channels-02-sign-page-without-a-form")
