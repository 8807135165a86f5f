import pytest

from certify.validators import id_number_problem, mask_id_number, mask_phone


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_valid_id_numbers_pass(number):
    assert id_number_problem(number) is None


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("110105194912310021", "身份证号校验位不正确"),
        ("11010519491231002", "身份证号应为 18 位"),
        ("1101051949123100x2", "身份证号应为 18 位"),
        ("110105194902300028", "出生日期 19490230 不存在"),
    ],
)
def test_invalid_id_numbers_say_what_is_wrong(number, problem):
    assert problem in id_number_problem(number)


def test_masking_keeps_only_the_ends():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"
