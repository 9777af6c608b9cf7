"""The IIN: format, the checksum against published numbers, and the data its digits encode."""

import datetime as dt

import pytest

from recall import iin
from tests.factories import make_iin

# IINs published as valid examples, not made by the project's own generator.
# Checked by hand: 7·1+9·2+1·3+0·4+2·5+8·6+3·7+0·8+2·9+7·10+2·11 = 217 ≡ 8 (mod 11), and
# 9·1+5·2+0·3+8·4+1·5+5·6+3·7+5·8+0·9+1·10+2·11 = 179 ≡ 3 (mod 11): the last digits.
PUBLISHED = ["791028302728", "950815350123"]


@pytest.mark.parametrize("value", ["791028302728", "950815350123", "7910 2830 2728", "791028-302728"])
def test_it_accepts_valid_iins(value):
    assert iin.validate(value) == iin.normalize(value)


def test_it_accepts_the_published_numbers_and_computes_their_check_digits():
    assert iin.is_valid("791028302728") and iin.is_valid("950815350123")
    assert iin.check_digit("79102830272") == 8
    assert iin.check_digit("95081535012") == 3


@pytest.mark.parametrize(
    ("published", "changed"),
    [
        # One digit changed: in the date, the century digit, the serial, the check digit.
        ("791028302728", "891028302728"),
        ("791028302728", "791128302728"),
        ("791028302728", "791028402728"),
        ("791028302728", "791028312728"),
        ("791028302728", "791028302828"),
        ("791028302728", "791028302729"),
        ("950815350123", "960815350123"),
        ("950815350123", "950816350123"),
        ("950815350123", "950815450123"),
        ("950815350123", "950815351123"),
        ("950815350123", "950815350124"),
        # Not the 11th digit: its first-pass weight is 11 ≡ 0 (mod 11), so by the algorithm's
        # design a change there alone goes unnoticed.
    ],
)
def test_it_refuses_a_published_number_with_one_digit_changed(published, changed):
    assert published in PUBLISHED and sum(a != b for a, b in zip(published, changed)) == 1
    with pytest.raises(iin.InvalidIIN) as error:
        iin.validate(changed)
    assert error.value.code == "checksum"


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


def test_a_number_of_a_real_birth_date_whose_first_pass_gives_ten_takes_the_second_pass():
    # This number exercises the second weight pass. Found by searching the serials of a man
    # born 15 August 1995 with recall.iin.check_digit; the arithmetic is checked here by hand:
    # 9·1+5·2+0·3+8·4+1·5+5·6+3·7+0·8+0·9+9·10+0·11 = 197 ≡ 10 (mod 11): no digit from the first pass;
    # 9·3+5·4+0·5+8·6+1·7+5·8+3·9+0·10+0·11+9·1+0·2 = 178 ≡ 2 (mod 11): the check digit is 2.
    number = "950815300902"
    digits = [int(c) for c in number[:11]]
    assert sum(d * w for d, w in zip(digits, range(1, 12))) % 11 == 10
    assert sum(d * w for d, w in zip(digits, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))) % 11 == 2
    assert iin.is_valid(number)
    assert [d for d in range(10) if iin.is_valid(number[:11] + str(d))] == [2]
    assert iin.encoded_data(number) == iin.EncodedData(dt.date(1995, 8, 15), "M")


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


def test_generated_iins_are_valid():
    assert iin.is_valid(make_iin(1, dt.date(1980, 5, 17)))
