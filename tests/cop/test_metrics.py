import pytest

from cop.metrics import gini, median, shares, top_share


def test_gini_equal_contributions_is_zero():
    assert gini([5, 5, 5, 5]) == 0


def test_gini_one_contributor_of_four():
    # |x_i - x_j| summed over ordered pairs: 6 pairs of (4, 0) -> 24; 2 n^2 mean = 2*16*1 = 32
    assert gini([0, 0, 0, 4]) == pytest.approx(24 / 32)


def test_gini_hand_computed_example():
    # values 1, 2, 3, 4: pair differences 1,2,3,1,2,1 -> 10, both orders -> 20
    # 2 n^2 mean = 2 * 16 * 2.5 = 80 -> 0.25
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25)


def test_gini_empty_and_all_zero():
    assert gini([]) == 0
    assert gini([0, 0]) == 0


def test_median_odd_even_and_empty():
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5
    assert median([]) is None


def test_top_share_top_ten_percent():
    values = [10] + [1] * 9  # ten contributors, the top one gave 10 of 19
    assert top_share(values) == pytest.approx(10 / 19)
    assert top_share([1, 1, 1]) == pytest.approx(1 / 3)  # at least one contributor
    assert top_share([]) == 0


def test_shares():
    assert shares({"a": 1, "b": 3}) == {"a": 0.25, "b": 0.75}
    assert shares({"a": 0}) == {"a": 0.0}
