"""A petition passed on: Open Graph and Twitter card tags, the progress as a PNG, share links
for WhatsApp and Telegram, and its own open data in CSV and JSON."""

import io
import re
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from recall.models import Petition


def meta(html, name):
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    return found.group(1) if found else None


def test_the_petition_page_carries_its_card(client, collecting):
    Petition.objects.filter(pk=collecting.pk).update(valid_count=7)
    html = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    title = f"Recall of {collecting.deputy.full_name}"
    assert meta(html, "og:title") == title and meta(html, "twitter:title") == title
    assert "7 valid signatures of 10 required (70%)" in meta(html, "og:description")
    assert meta(html, "og:url") == f"http://testserver/en/petitions/{collecting.pk}/"
    assert (
        meta(html, "og:image")
        == meta(html, "twitter:image")
        == f"http://testserver/en/petitions/{collecting.pk}/card.png"
    )
    assert meta(html, "twitter:card") == "summary_large_image"


def test_the_card_is_a_picture_of_the_progress(client, collecting):
    response = client.get(f"/ru/petitions/{collecting.pk}/card.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1200, 630)
    # The bar: its filled part is the brand's green, the rest the track's grey.
    Petition.objects.filter(pk=collecting.pk).update(valid_count=5)
    half = Image.open(io.BytesIO(client.get(f"/kk/petitions/{collecting.pk}/card.png").content)).convert("RGB")
    row = [half.getpixel((x, y)) for y in range(300, 500) for x in (150, 1100)]
    assert (0, 112, 60) in row and (223, 227, 230) in row


def test_share_links_carry_the_title_and_the_address(client, collecting):
    html = client.get(f"/ru/petitions/{collecting.pk}/").content.decode()
    url = f"http://testserver/ru/petitions/{collecting.pk}/"
    whatsapp = re.search(r'href="(https://wa.me/[^"]+)"', html).group(1).replace("&amp;", "&")
    telegram = re.search(r'href="(https://t.me/share/url[^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(whatsapp).query)["text"][0].endswith(url)
    assert parse_qs(urlsplit(telegram).query)["url"][0] == url
    assert f'data-copy-text="{url}"' in html


def test_the_petitions_own_open_data(client, collecting, voters):
    from recall.services import signing, verification
    from tests.helpers import signer_of

    for voter in voters[10:13]:
        signing.sign_on_web(collecting.pk, signer_of(voter))
    verification.verify_all()
    html = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    for table in ("daily", "stations"):
        for fmt in ("csv", "json"):
            assert f'href="/api/v1/open-data/petitions/{collecting.pk}/{table}.{fmt}"' in html
    body = client.get(f"/api/v1/open-data/petitions/{collecting.pk}/daily.json").json()
    assert body["licence"] == "CC BY 4.0" and body["petition"]["valid"] == 3 and body["petition"]["required"] == 10
    assert [(r["channel"], r["received"], r["valid"]) for r in body["rows"]] == [("web", 3, 3)]
    csv = client.get(f"/api/v1/open-data/petitions/{collecting.pk}/daily.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[0] == "petition,day,channel,received,valid,invalid,awaiting,withdrawn"


def test_open_data_of_a_petition_that_does_not_exist_is_not_found(client, db):
    assert client.get("/api/v1/open-data/petitions/999999/daily.json").status_code == 404
    assert client.get("/api/v1/open-data/petitions/999999/stations.csv").status_code == 404
