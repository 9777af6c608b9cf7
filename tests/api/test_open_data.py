"""Open data: every public petition, per day and channel, per district, as CSV and JSON under a
stated licence, with the same figures as the pages and nothing personal."""

import csv
import io

from recall.services import verification
from tests.factories import SignatureFactory


def rows_of(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_petitions_table_has_the_figures_of_the_page(client, collecting, voters):
    for voter in voters[10:13]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    as_json = client.get("/api/v1/open-data/petitions.json")
    assert as_json.json()["licence"] == "CC BY 4.0"
    assert 'rel="license"' in as_json["Link"]
    (row,) = as_json.json()["rows"]
    assert (row["petition"], row["valid"], row["required"], row["received"]) == (collecting.pk, 3, 10, 3)
    page = client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert "<dt>Counted (valid)</dt><dd>3</dd>" in page and "<dt>Received</dt><dd>3</dd>" in page
    as_csv = client.get("/api/v1/open-data/petitions.csv")
    assert as_csv["Content-Type"].startswith("text/csv") and 'rel="license"' in as_csv["Link"]
    (line,) = rows_of(as_csv)
    assert line["valid"] == "3" and line["district_code"] == collecting.district.code


def test_the_daily_table_is_per_petition_day_and_channel(client, collecting, voters):
    for voter in voters[10:12]:
        SignatureFactory(petition=collecting, voter_row=voter, channel="web")
    SignatureFactory(petition=collecting, voter_row=voters[12], channel="partner")
    verification.verify_all()
    rows = client.get("/api/v1/open-data/daily.json").json()["rows"]
    by_channel = {r["channel"]: r for r in rows}
    assert by_channel["web"]["valid"] == 2 and by_channel["partner"]["valid"] == 1
    assert {r["petition"] for r in rows} == {collecting.pk}
    assert rows_of(client.get("/api/v1/open-data/daily.csv"))[0].keys() == by_channel["web"].keys()


def test_the_districts_table_sums_its_petitions(client, collecting):
    rows = client.get("/api/v1/open-data/districts.json").json()["rows"]
    mine = next(r for r in rows if r["district_code"] == collecting.district.code)
    assert (mine["petitions"], mine["collecting"], mine["valid"]) == (1, 1, 0)


def test_no_personal_data_in_any_file(client, collecting, voters):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()
    signature.refresh_from_db()
    for table in ("petitions", "daily", "districts"):
        for fmt in ("json", "csv"):
            body = client.get(f"/api/v1/open-data/{table}.{fmt}").content.decode()
            assert signature.personal["iin"] not in body
            assert signature.personal["full_name"] not in body
            assert signature.receipt not in body


def test_the_names_come_in_kazakh_and_russian_too(client, collecting):
    from recall.models import District

    District.objects.filter(pk=collecting.district_id).update(name_ru="Карагандинский округ № 1", region_kk="")
    (row,) = client.get("/api/v1/open-data/petitions.json").json()["rows"]
    assert (row["district"], row["district_ru"], row["district_kk"]) == (
        "Karaganda No. 1",
        "Карагандинский округ № 1",
        "",
    )
    (line,) = rows_of(client.get("/api/v1/open-data/petitions.csv"))
    assert line["district_ru"] == "Карагандинский округ № 1" and "party_kk" in line
    districts = client.get("/api/v1/open-data/districts.json").json()["rows"]
    assert next(r for r in districts if r["district_code"] == "K-1")["district_ru"] == "Карагандинский округ № 1"


def test_a_name_that_reads_as_a_formula_is_written_as_text_and_numbers_stay_numbers(client, collecting):
    from recall.models import District

    District.objects.filter(pk=collecting.district_id).update(name_ru="=cmd|' /C calc'!A0", name_kk="@SUM(1+1)")
    (line,) = rows_of(client.get("/api/v1/open-data/petitions.csv"))
    assert (line["district_ru"], line["district_kk"]) == ("'=cmd|' /C calc'!A0", "'@SUM(1+1)")
    assert line["valid"] == "0" and line["required"] == "10"
    # The JSON keeps the data as it is: only a spreadsheet reads a cell as a formula.
    (row,) = client.get("/api/v1/open-data/petitions.json").json()["rows"]
    assert row["district_ru"] == "=cmd|' /C calc'!A0"
