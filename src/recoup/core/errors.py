"""Errors as data: problems found in input are collected and reported together, not raised one by one."""

from __future__ import annotations

from typing import NamedTuple


class RowError(NamedTuple):
    """One bad value in an input file.

    Attributes:
        line: 1-based line number in the file as a person sees it (the header is line 1).
        column: the file's own column header (not Recoup's field name), or '' for a whole-row problem.
        value: the offending text, as read.
        reason: what is wrong, in words a person can act on.
    """

    line: int
    column: str
    value: str
    reason: str
