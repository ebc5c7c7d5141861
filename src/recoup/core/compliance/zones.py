"""Time zones by US state, for when nothing finer than the state is known.

A state split between zones lists every zone it spans, so the guard's "convenient in every candidate
zone" rule (F3) covers the whole state. Arizona (no DST, except the Navajo Nation) and Indiana's
counties are spelled out.
"""

from __future__ import annotations

EASTERN, CENTRAL, MOUNTAIN, ARIZONA, PACIFIC = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
)
ALASKA, ALEUTIAN, HAWAII = "America/Anchorage", "America/Adak", "Pacific/Honolulu"

STATE_ZONES: dict[str, tuple[str, ...]] = {
    "AL": (CENTRAL,),
    "AK": (ALASKA, ALEUTIAN),
    "AZ": (ARIZONA, MOUNTAIN),
    "AR": (CENTRAL,),
    "CA": (PACIFIC,),
    "CO": (MOUNTAIN,),
    "CT": (EASTERN,),
    "DE": (EASTERN,),
    "DC": (EASTERN,),
    "FL": (EASTERN, CENTRAL),
    "GA": (EASTERN,),
    "HI": (HAWAII,),
    "ID": (MOUNTAIN, PACIFIC),
    "IL": (CENTRAL,),
    "IN": ("America/Indiana/Indianapolis", CENTRAL),
    "IA": (CENTRAL,),
    "KS": (CENTRAL, MOUNTAIN),
    "KY": (EASTERN, CENTRAL),
    "LA": (CENTRAL,),
    "ME": (EASTERN,),
    "MD": (EASTERN,),
    "MA": (EASTERN,),
    "MI": (EASTERN, CENTRAL),
    "MN": (CENTRAL,),
    "MS": (CENTRAL,),
    "MO": (CENTRAL,),
    "MT": (MOUNTAIN,),
    "NE": (CENTRAL, MOUNTAIN),
    "NV": (PACIFIC, MOUNTAIN),
    "NH": (EASTERN,),
    "NJ": (EASTERN,),
    "NM": (MOUNTAIN,),
    "NY": (EASTERN,),
    "NC": (EASTERN,),
    "ND": (CENTRAL, MOUNTAIN),
    "OH": (EASTERN,),
    "OK": (CENTRAL,),
    "OR": (PACIFIC, MOUNTAIN),
    "PA": (EASTERN,),
    "RI": (EASTERN,),
    "SC": (EASTERN,),
    "SD": (CENTRAL, MOUNTAIN),
    "TN": (CENTRAL, EASTERN),
    "TX": (CENTRAL, MOUNTAIN),
    "UT": (MOUNTAIN,),
    "VT": (EASTERN,),
    "VA": (EASTERN,),
    "WA": (PACIFIC,),
    "WV": (EASTERN,),
    "WI": (CENTRAL,),
    "WY": (MOUNTAIN,),
    "PR": ("America/Puerto_Rico",),
    "GU": ("Pacific/Guam",),
    "VI": ("America/St_Thomas",),
}

# When the file says nothing about where the debtor is: every zone of the 50 states. The window
# convenient in all of them is short (about 13:00-21:00 Eastern in winter) but it exists, and it is
# the only lawful reading of F3 when nothing is known.
ALL_STATES_ZONES: tuple[str, ...] = (EASTERN, CENTRAL, MOUNTAIN, ARIZONA, PACIFIC, ALASKA, HAWAII)
