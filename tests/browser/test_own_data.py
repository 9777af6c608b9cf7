"""The voter's own-data page in a real browser, in Kazakh, Russian and English, checked by
axe-core; after the purge it says the data was destroyed."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from recall.models import Petition
from recall.notifications import sms
from recall.services import ledger, lifecycle, signing, verification
from recall.services.privacy import retention
from tests.browser.a11y import assert_accessible
from tests.helpers import signer_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_own_data(page, live_server, language, receipt, iin):
    page.goto(f"{live_server.url}/{language}/check/")
    page.locator("main a[href$='/my-data/']").click()
    page.wait_for_url(f"**/{language}/my-data/")
    assert_accessible(page, f"the own-data form ({language})")
    page.locator("#id_receipt").fill(receipt)
    page.locator("#id_iin").fill(iin)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/confirm/**")
    page.locator("#id_code").fill(re.search(r"\d{6}", sms.outbox[-1].text).group())
    page.locator("button[name=confirm]").click()
    page.wait_for_url(f"**/{language}/my-data/view/")


def test_a_voter_reads_their_own_data_in_each_language(page, shot, live_server, collecting, voters, alice):
    voter = voters[10]
    signature = signing.sign_on_web(collecting.pk, signer_of(voter, phone="+77012223344"))
    verification.verify_all()
    ledger.sign_due_checkpoints()
    receipt = signing.format_receipt(signature.receipt)

    for language, heading in (("kk", "Менің деректерім"), ("ru", "Мои данные"), ("en", "My data")):
        _open_own_data(page, live_server, language, receipt, voter.personal["iin"])
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert voter.personal["full_name"] in page.get_by_test_id("personal-data").inner_text()
        assert "+77012223344" in page.get_by_test_id("personal-data").inner_text()
        rows = page.get_by_test_id("ledger-entries").locator("li")
        assert rows.count() == 1  # received and decided, one entry: a sentence, the bytes behind a disclosure
        assert '"type":"verified"' not in rows.inner_text()
        assert '"type":"verified"' in rows.locator("details code").nth(1).text_content()
        assert_accessible(page, f"the own-data page ({language})")
        shot(page, f"own-data-{language}")

    lifecycle.withdraw(Petition.objects.get(pk=collecting.pk), actor=alice, reason="The group withdrew.")
    retention.purge(collecting.pk, as_of=timezone.localdate() + dt.timedelta(days=400))
    page.reload()
    assert page.get_by_test_id("data-destroyed").is_visible()
    assert voter.personal["full_name"] not in page.content()
    assert_accessible(page, "the own-data page after the purge")
    shot(page, "own-data-destroyed")
