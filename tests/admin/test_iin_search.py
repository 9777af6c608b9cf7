"""Searching by IIN in the officials' admin puts no IIN in any URL (URLs are logged): the box posts,
the answer redirects to a digest, and no link of the result page carries the IIN."""

import re
from urllib.parse import unquote

import pytest
from django.urls import reverse

from tests.factories import SignatureFactory


@pytest.mark.parametrize("model", ["voter", "signature"])
def test_an_iin_search_leaves_no_iin_in_any_url(client, bob, collecting, voters, model):
    plain = voters[10].personal["iin"]
    SignatureFactory(petition=collecting, voter_row=voters[10])
    client.force_login(bob)
    changelist = reverse(f"admin:recall_{model}_changelist")
    page = client.get(changelist).content.decode()
    assert re.search(r'<form id="changelist-search" method="post"', page)  # no GET form to leak it
    response = client.post(changelist, {"q": plain, "iin_search": "Search"})
    assert response.status_code == 302 and plain not in unquote(response.url)
    result = client.get(response.url)
    assert len(result.context["cl"].result_list) == 1
    html = result.content.decode()
    links = re.findall(r'(?:href|action)="([^"]+)"', html)
    assert links and not [link for link in links if plain in unquote(unquote(link))]
    assert plain not in html  # the box does not echo it either


@pytest.mark.parametrize("model", ["voter", "signature"])
def test_a_full_iin_in_the_address_finds_nothing_and_says_why(client, bob, collecting, voters, model):
    SignatureFactory(petition=collecting, voter_row=voters[10])
    client.force_login(bob)
    url = reverse(f"admin:recall_{model}_changelist") + f"?q={voters[10].personal['iin']}"
    page = client.get(url)
    assert list(page.context["cl"].result_list) == []
    assert "search box" in page.content.decode()


def test_an_invalid_iin_is_said_so_without_putting_it_in_the_address(client, bob, voters):
    client.force_login(bob)
    wrong = voters[10].personal["iin"][:-1] + str((int(voters[10].personal["iin"][-1]) + 1) % 10)
    response = client.post(reverse("admin:recall_signature_changelist"), {"q": wrong, "iin_search": "Search"})
    assert wrong not in response.url
    assert "not a valid IIN" in client.get(response.url).content.decode()
