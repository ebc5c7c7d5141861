"""Ladders to and from plain data (what YAML files and the web editor hold).

The shape, with every field but ``key``, ``channel``, ``template`` and ``day`` optional::

    key: b2b
    name: B2B suppliers
    min_gap_days: 3
    call_after_open_days: 5
    applies_to: {segments: [b2b], customer_kinds: [business]}
    steps:
      - {key: upcoming, day: -3, channel: email, template: upcoming}
      - {key: final, day: 45, channel: letter, template: final_notice, tone: final,
         repeat_every_days: 14, max_attempts: 2, escalation: review,
         when: {min_balance: {USD: "50.00"}, buckets: ["31-60"], segments: [], customer_kinds: []}}

``day`` counts from the due date; ``after_previous: N`` instead counts N days from the step before. Money
in ``min_balance`` is written as a decimal string and kept in minor units.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recoup.core.compliance.facts import Channel
from recoup.core.ladder import Conditions, Escalation, Ladder, LadderError, Relative, Step, Tone
from recoup.core.money import MoneyError, decimal_string, parse_amount

STEP_FIELDS = {
    "key",
    "name",
    "day",
    "after_previous",
    "channel",
    "template",
    "tone",
    "repeat_every_days",
    "max_attempts",
    "escalation",
    "when",
}
WHEN_FIELDS = {"min_balance", "segments", "buckets", "customer_kinds", "score_bands"}
LADDER_FIELDS = {"key", "name", "min_gap_days", "call_after_open_days", "applies_to", "steps"}


def _choice(enum, value, where: str, problems: list[str], default=None):
    if value is None and default is not None:
        return default
    try:
        return enum(value)
    except ValueError:
        options = ", ".join(e.value for e in enum)
        problems.append(f"{where}: {value!r} is not one of {options}")
        return default


def _int(value, where: str, problems: list[str], default=None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{where}: {value!r} is not a whole number")
        return default
    return value


def _names(value, where: str, problems: list[str]) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: a list of names")
        return frozenset()
    return frozenset(value)


def _min_balance(value, where: str, problems: list[str]) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{where}: amounts by currency, like {{USD: '50.00'}}")
        return {}
    found = {}
    for currency, amount in value.items():
        try:
            code = str(currency).upper()
            found[code] = parse_amount(str(amount), code)
        except (MoneyError, ValueError) as exc:
            problems.append(f"{where}.{currency}: {exc}")
    return found


def _unknown(data: Mapping, allowed: set[str], where: str, problems: list[str]) -> None:
    for name in sorted(set(data) - allowed):
        problems.append(f"{where}: unknown field {name!r}")


def _conditions(data, where: str, problems: list[str]) -> Conditions:
    if data is None:
        return Conditions()
    if not isinstance(data, Mapping):
        problems.append(f"{where}: conditions are a mapping")
        return Conditions()
    _unknown(data, WHEN_FIELDS, where, problems)
    return Conditions(
        min_balance=_min_balance(data.get("min_balance"), f"{where}.min_balance", problems),
        segments=_names(data.get("segments"), f"{where}.segments", problems),
        buckets=_names(data.get("buckets"), f"{where}.buckets", problems),
        customer_kinds=_names(data.get("customer_kinds"), f"{where}.customer_kinds", problems),
        score_bands=_names(data.get("score_bands"), f"{where}.score_bands", problems),
    )


def _step(data, n: int, problems: list[str]) -> Step | None:
    where = f"steps[{n}]"
    if not isinstance(data, Mapping):
        problems.append(f"{where}: a step is a mapping of fields")
        return None
    _unknown(data, STEP_FIELDS, where, problems)
    if "key" in data:
        where = f"steps[{n}] ({data['key']})"
    if ("day" in data) == ("after_previous" in data):
        problems.append(f"{where}: give either day (from the due date) or after_previous (days after the step before)")
        return None
    relative = Relative.DUE if "day" in data else Relative.PREVIOUS
    offset = _int(data.get("day", data.get("after_previous")), where, problems, 0)
    channel = _choice(Channel, data.get("channel"), f"{where}.channel", problems)
    if channel is None:
        return None
    return Step(
        key=str(data.get("key", "")),
        name=str(data.get("name", "")),
        channel=channel,
        template=str(data.get("template", "")),
        offset_days=offset,
        relative_to=relative,
        tone=_choice(Tone, data.get("tone"), f"{where}.tone", problems, Tone.FRIENDLY),
        conditions=_conditions(data.get("when"), f"{where}.when", problems),
        repeat_every_days=_int(data.get("repeat_every_days"), f"{where}.repeat_every_days", problems),
        max_attempts=_int(data.get("max_attempts"), f"{where}.max_attempts", problems, 1),
        escalation=_choice(Escalation, data.get("escalation"), f"{where}.escalation", problems, Escalation.NONE),
    )


def ladder_from_data(data: Any) -> Ladder:
    """A ladder from plain data, or ``LadderError`` listing every problem with where it is."""
    if not isinstance(data, Mapping):
        raise LadderError(["a ladder is a mapping with key, name and steps"])
    problems: list[str] = []
    _unknown(data, LADDER_FIELDS, "ladder", problems)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list):
        problems.append("steps: a list of steps")
        raw_steps = []
    steps = [_step(item, n, problems) for n, item in enumerate(raw_steps)]
    applies = data.get("applies_to") or {}
    if not isinstance(applies, Mapping):
        problems.append("applies_to: a mapping with segments and customer_kinds")
        applies = {}
    segments = _names(applies.get("segments"), "applies_to.segments", problems)
    kinds = _names(applies.get("customer_kinds"), "applies_to.customer_kinds", problems)
    min_gap = _int(data.get("min_gap_days"), "min_gap_days", problems, 3)
    call_after = _int(data.get("call_after_open_days"), "call_after_open_days", problems)
    if problems:
        raise LadderError(problems)
    return Ladder(
        key=str(data.get("key", "")),
        name=str(data.get("name", "") or data.get("key", "")),
        steps=tuple(s for s in steps if s is not None),
        min_gap_days=min_gap,
        call_after_open_days=call_after,
        segments=segments,
        customer_kinds=kinds,
    )


def ladder_to_data(ladder: Ladder) -> dict:
    """Plain data that ``ladder_from_data`` reads back into an equal ladder."""
    steps = []
    for step in ladder.steps:
        item: dict[str, Any] = {"key": step.key}
        if step.name:
            item["name"] = step.name
        item["after_previous" if step.relative_to is Relative.PREVIOUS else "day"] = step.offset_days
        item.update(channel=step.channel.value, template=step.template, tone=step.tone.value)
        if step.max_attempts > 1:
            item.update(repeat_every_days=step.repeat_every_days, max_attempts=step.max_attempts)
        if step.escalation is not Escalation.NONE:
            item["escalation"] = step.escalation.value
        when = step.conditions
        conditions: dict[str, Any] = {}
        if when.min_balance:
            conditions["min_balance"] = {c: decimal_string(v, c) for c, v in sorted(when.min_balance.items())}
        for name in ("segments", "buckets", "customer_kinds", "score_bands"):
            if getattr(when, name):
                conditions[name] = sorted(getattr(when, name))
        if conditions:
            item["when"] = conditions
        steps.append(item)
    data: dict[str, Any] = {"key": ladder.key, "name": ladder.name, "min_gap_days": ladder.min_gap_days}
    if ladder.call_after_open_days:
        data["call_after_open_days"] = ladder.call_after_open_days
    if ladder.segments or ladder.customer_kinds:
        data["applies_to"] = {"segments": sorted(ladder.segments), "customer_kinds": sorted(ladder.customer_kinds)}
    data["steps"] = steps
    return data
