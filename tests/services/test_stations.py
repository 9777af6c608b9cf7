"""Valid signatures by polling station: the register's optional column, the breakdown on the
petition page (a table and a bar chart) and in the open data, never a station with fewer than
ten signers, nor a pool anyone could subtract a small station from."""

import io

import pytest

from recall.errors import ImportRejected
from recall.models import Voter
from recall.services import signing, verification
from recall.services.jobs.register_import import import_register
from recall.services.public import stations
from tests.helpers import populate, signer_of


def test_the_register_import_reads_the_polling_station(karaganda):
    csv = (
        "iin,full_name,birth_date,address,district,polling_station\n"
        "791028302728,Есенов Арман,1979-10-28,Караганда,K-1, 412 \n"
        "950815350123,Ким Анна,1995-08-15,Караганда,K-1,\n"
    )
    import_register(io.BytesIO(csv.encode()), source="test")
    assert sorted(Voter.objects.values_list("polling_station", flat=True)) == ["", "412"]
    # Updating a voter updates the station.
    import_register(io.BytesIO(csv.replace(" 412 ", "413").encode()), source="test")
    assert set(Voter.objects.values_list("polling_station", flat=True)) == {"", "413"}


def test_a_station_longer_than_its_column_is_refused_with_its_line(karaganda):
    csv = (
        "iin,full_name,birth_date,address,district,polling_station\n791028302728,A B,1979-10-28,x,K-1,"
        + "9" * 40
        + "\n"
    )
    with pytest.raises(ImportRejected) as refused:
        import_register(io.BytesIO(csv.encode()), source="test")
    assert "polling_station is too long" in str(refused.value.errors[0])


@pytest.mark.parametrize(
    "counts, shown, pooled",
    [
        ({"1": 30, "2": 12}, [("1", 30), ("2", 12)], (0, 0)),
        # Two small stations pool to ten or more: both in "other stations".
        ({"1": 30, "2": 6, "3": 5}, [("1", 30)], (11, 2)),
        # One small station alone could be subtracted from the total: the smallest shown joins it.
        ({"1": 30, "2": 12, "3": 4}, [("1", 30)], (16, 2)),
        # Two small ones under ten together: the smallest shown joins them.
        ({"1": 30, "2": 12, "3": 4, "4": 3}, [("1", 30)], (19, 3)),
        # Nothing left to pool with: the small station is not shown at all.
        ({"1": 4}, [], (0, 0)),
        ({"1": 12, "2": 3}, [], (15, 2)),
    ],
)
def test_no_station_with_fewer_than_ten_signers_is_shown_or_can_be_derived(counts, shown, pooled):
    stations_shown, other, n = stations.suppress(counts)
    assert [(s.name, s.valid) for s in stations_shown] == shown
    assert (other, n) == pooled
    assert all(s.valid >= stations.MIN_SIGNERS for s in stations_shown)
    assert other == 0 or (other >= stations.MIN_SIGNERS and n >= 2)


@pytest.fixture
def signed_by_station(collecting, voters, karaganda):
    """12 valid signers at station 101, 4 at 102, 7 at 103 (pooled: 11 over 2), 2 with no station."""
    plan = ["101"] * 12 + ["102"] * 4 + ["103"] * 7 + [""] * 2
    for voter, station in zip(voters[10:], plan, strict=False):
        Voter.objects.filter(pk=voter.pk).update(polling_station=station)
        signing.sign_on_web(collecting.pk, signer_of(voter))
    verification.verify_all()
    return collecting


def test_the_breakdown_on_the_page_and_in_the_open_data(client, signed_by_station):
    petition = signed_by_station
    found = stations.breakdown(petition.pk)
    assert [(s.name, s.valid) for s in found.stations] == [("101", 12)]
    assert (found.other_valid, found.other_stations, found.unknown_valid) == (11, 2, 0)
    html = client.get(f"/en/petitions/{petition.pk}/").content.decode()
    assert 'data-testid="stations"' in html and "<td>No. 101</td><td>12</td>" in html
    assert "<td>Other stations (2)</td><td>11</td>" in html
    assert "No. 102" not in html and "No. 103" not in html
    assert 'class="chart chart-bars"' in html and 'role="img"' in html
    rows = client.get(f"/api/v1/open-data/petitions/{petition.pk}/stations.json").json()["rows"]
    assert rows == [
        {"petition": petition.pk, "kind": "station", "station": "101", "valid": 12, "stations": 1},
        {"petition": petition.pk, "kind": "other_stations", "station": None, "valid": 11, "stations": 2},
    ]
    csv = client.get(f"/api/v1/open-data/petitions/{petition.pk}/stations.csv").content.decode().splitlines()
    assert csv == [
        "petition,kind,station,valid,stations",
        f"{petition.pk},station,101,12,1",
        f"{petition.pk},other_stations,,11,2",
    ]


def test_a_register_without_stations_shows_no_breakdown(client, collecting, voters):
    signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    verification.verify_all()
    assert stations.breakdown(collecting.pk) is None
    assert 'data-testid="stations"' not in client.get(f"/en/petitions/{collecting.pk}/").content.decode()
    assert client.get(f"/api/v1/open-data/petitions/{collecting.pk}/stations.json").json()["rows"] == []


def test_the_breakdown_is_reused_for_a_while(signed_by_station, voters, django_assert_num_queries):
    stations.breakdown(signed_by_station.pk)
    with django_assert_num_queries(0):
        stations.breakdown(signed_by_station.pk)


def test_populate_keeps_stations_empty(karaganda):
    assert {v.polling_station for v in populate(karaganda, 2)} == {""}
