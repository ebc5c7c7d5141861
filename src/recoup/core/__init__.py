"""Pure domain logic for Recoup.

Nothing in this package imports Django, touches a database, a file or the network, or reads the clock:
every time-dependent function takes an ``as_of`` date. ``tests/core/test_purity.py`` enforces it.
"""
