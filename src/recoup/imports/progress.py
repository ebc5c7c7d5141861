"""How long-running services report progress without knowing who is watching (a terminal, a web page)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def stage(self, description: str, total: int | None = None) -> None:
        """A new stage begins; ``total`` units of work when known."""

    def advance(self, amount: int = 1) -> None:
        """``amount`` units of the current stage are done."""


class NoProgress:
    def stage(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass
