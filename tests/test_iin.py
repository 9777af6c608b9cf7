import datetime as dt

import pytest

from recall import iin


@pytest.mark.parametrize("value", ["791028302728", "950815350123", "7910 2830 2728", "791028-302728"])
def test_it_accepts_valid_iins(value):
    assert iin.validate(value) == iin.normalize(value)


@pytest.mark.parametrize("value", ["791028302727", "950815350124"])
def test_it_rejects_a_wrong_check_digit(value):
    with pytest.raises(iin.InvalidIIN) as error:
        iin.validate(value)
    assert error.value.code == "checksum"


@pytest.mark.parametrize("value", ["", "79102830272", "7910283027281", "79102830272a", "７９１０２８３０２７２８"])
def test_it_rejects_malformed_values(value):
    with pytest.raises(iin.InvalidIIN) as error:
        iin.validate(value)
    assert error.value.code == "malformed"


def test_it_uses_the_second_weights_when_the_first_pass_gives_ten():
    # 8,5,0,1,1,5,3,0,0,2,0 weighted 1..11 is 10 (mod 11); weighted 3..11,1,2 it is 5.
    assert iin.check_digit("85011530020") == 5
    assert iin.is_valid("850115300205")
    assert not iin.is_valid("850115300200")


def test_a_number_with_no_possible_check_digit_is_invalid():
    assert iin.check_digit("85011530028") is None
    assert not any(iin.is_valid(f"85011530028{d}") for d in range(10))


def test_it_reads_birth_date_and_sex_from_the_digits():
    assert iin.encoded_data("791028302728") == iin.EncodedData(dt.date(1979, 10, 28), "M")
    assert iin.encoded_data("950815450123").sex == "F"


def test_a_birth_date_mismatch_is_a_warning_not_a_rejection():
    assert iin.data_warnings("791028302728", birth_date=dt.date(1979, 10, 28)) == []
    assert iin.data_warnings("791028302728", birth_date=dt.date(1979, 10, 29)) == ["iin_birth_date_mismatch"]
    assert iin.data_warnings("791028302728", birth_date=None, sex="F") == ["iin_sex_mismatch"]


def test_unreadable_date_digits_are_a_warning():
    # 13th month: the number is still valid if its check digit is right.
    head = "791328302"
    for serial in range(100):
        digit = iin.check_digit(f"{head}{serial:02d}")
        if digit is not None:
            number = f"{head}{serial:02d}{digit}"
            break
    assert iin.is_valid(number)
    assert iin.data_warnings(number, birth_date=dt.date(1979, 10, 28)) == ["iin_date_unreadable"]


def test_make_builds_valid_numbers_that_encode_the_person():
    number = iin.make(dt.date(2004, 2, 29), "F", 17)
    assert iin.is_valid(number)
    assert iin.encoded_data(number) == iin.EncodedData(dt.date(2004, 2, 29), "F")
