"""Districts with their names in three languages from a CSV file (recall.services.jobs.places_import)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from recall.errors import ImportRejected, OutsideJurisdiction
from recall.models import AuditEntry, District
from recall.services.jobs.places_import import import_places

pytestmark = pytest.mark.django_db

HEADER = "code;level;name;name_kk;name_ru;region;region_kk;region_ru;body;body_kk;body_ru\n"
KRG = (
    "MZ-09;mazhilis;Karaganda Region single-member district No. 1;"
    "Қарағанды облысы бір мандатты сайлау округі № 1;Одномандатный избирательный округ № 1 (Карагандинская область);"
    "Karaganda Region;Қарағанды облысы;Карагандинская область;"
    "Mazhilis of the Parliament;Парламент Мәжілісі;Мажилис Парламента\n"
)


def _file(text):
    return io.BytesIO(text.encode())


def test_it_adds_districts_with_their_names_in_each_language():
    result = import_places(_file(HEADER + KRG))
    assert (result.total, result.created, result.updated) == (1, 1, 0)
    district = District.objects.get(code="MZ-09")
    with translation.override("kk"):
        assert district.region_local == "Қарағанды облысы" and str(district).startswith("MZ-09 Қарағанды облысы")
    with translation.override("ru"):
        assert district.body_local == "Мажилис Парламента"
    assert district.localized("name", "en") == "Karaganda Region single-member district No. 1"
    assert AuditEntry.objects.filter(action="places.imported").count() == 1


def test_it_updates_by_code_and_the_translations_are_optional(karaganda):
    result = import_places(_file("code,level,name,region,body\nK-1,mazhilis,Karaganda One,Karaganda Region,Mazhilis\n"))
    assert (result.created, result.updated) == (0, 1)
    karaganda.refresh_from_db()
    assert karaganda.name == "Karaganda One"
    with translation.override("kk"):  # no Kazakh name: the page falls back to the English
        assert karaganda.name_local == "Karaganda One"


def test_a_wrong_line_imports_nothing_and_says_where():
    bad = HEADER + KRG + "MZ-10;senate;X;;;R;;;B;;\n" + KRG
    with pytest.raises(ImportRejected) as rejected:
        import_places(_file(bad))
    assert [e["line"] for e in rejected.value.errors] == [3, 4]
    assert "unknown level senate" in rejected.value.errors[0]["error"]
    assert "also on line 2" in rejected.value.errors[1]["error"]
    assert not District.objects.exists()


def test_a_missing_column_is_refused():
    with pytest.raises(ImportRejected, match="missing columns: body"):
        import_places(_file("code,level,name,region\nX,mazhilis,X,R\n"))


def test_only_the_central_commission_imports(bob):
    with pytest.raises(OutsideJurisdiction):
        import_places(_file(HEADER + KRG), actor=bob)


def test_the_command_imports_a_file(tmp_path):
    path = tmp_path / "districts.csv"
    path.write_text(HEADER + KRG, encoding="utf-8")
    out = io.StringIO()
    call_command("import_places", str(path), stdout=out)
    assert "1 added" in out.getvalue()
    path.write_text(HEADER + "X;nope;;;;;;;;;\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_places", str(path), stderr=io.StringIO())
