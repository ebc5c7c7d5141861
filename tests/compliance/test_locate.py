"""Candidate time zones from ZIP codes, phone area codes and states."""

from __future__ import annotations

from recoup.compliance.locate import candidate_time_zones, in_new_york_city, state_of


def test_a_hawaii_cell_with_a_new_york_address_gives_both_zones():
    zones = candidate_time_zones("10001", ["+18085550100"], "NY")
    assert set(zones) == {"America/New_York", "Pacific/Honolulu"}


def test_the_zip_code_decides_within_a_split_state():
    # El Paso, Texas is on Mountain time; Dallas on Central.
    assert candidate_time_zones("79901") == ("America/Denver",)
    assert candidate_time_zones("75201") == ("America/Chicago",)


def test_toll_free_numbers_say_nothing_about_location():
    assert candidate_time_zones("", ["+18005550100"], "") == ()
    assert candidate_time_zones("", ["+18005550100"], "OR") == ("America/Los_Angeles", "America/Denver")


def test_the_state_is_used_only_when_nothing_finer_is_known():
    assert candidate_time_zones("", [], "FL") == ("America/New_York", "America/Chicago")
    assert candidate_time_zones("33130", [], "FL") == ("America/New_York",)


def test_bad_zip_codes_and_numbers_are_ignored():
    assert candidate_time_zones("ABCDE", ["not a phone"], "") == ()
    assert state_of("99999", "tx") == "TX"


def test_new_york_city_is_the_five_boroughs():
    assert in_new_york_city("10001") and in_new_york_city("11201")  # Manhattan, Brooklyn
    assert not in_new_york_city("14604")  # Rochester
    assert state_of("02110") == "MA"
