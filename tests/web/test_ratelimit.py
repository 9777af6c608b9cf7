"""The per-address limit on the voters' forms (RECALL_WEB_FORM_RATE). Time is frozen inside one
window of the fixed-window counter (recall.ratelimit), so a window boundary cannot split the
test's requests."""

import time_machine

from tests.helpers import inside_one_window


def test_forms_are_rate_limited_per_address(client, collecting, voters, settings):
    settings.RECALL_WEB_FORM_RATE = "2/hour"
    data = {"receipt": "AAAA", "iin": voters[0].personal["iin"]}
    with time_machine.travel(inside_one_window(3600), tick=False):
        codes = [client.post("/en/check/", data).status_code for _ in range(3)]
        elsewhere = client.post("/en/check/", data, REMOTE_ADDR="192.0.2.7").status_code
    assert codes == [200, 200, 429]
    assert elsewhere == 200
