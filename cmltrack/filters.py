"""The cohort filter shared by every page (pure data; the SQL for it lives in cmltrack.db.queries)."""

from __future__ import annotations

from dataclasses import dataclass

from cmltrack.clinical.responses import BEST_RESPONSE_ORDER, LABELS

STATUSES: tuple[str, ...] = ("resistant", "intolerant")
SEXES: tuple[str, ...] = ("F", "M")
PHASES: tuple[str, ...] = ("CP", "AP", "BP")
EUTOS_GROUPS: tuple[str, ...] = ("high", "low", "unknown")
BEST_RESPONSES: tuple[str, ...] = BEST_RESPONSE_ORDER


def best_response_label(code: str) -> str:
    """Display label of a best-response category ('CCYR' -> 'CCyR', 'none' -> 'No response')."""
    return {"none": "No response", "not evaluable": "Not evaluable"}.get(code, LABELS.get(code, code))


@dataclass(frozen=True)
class CohortFilter:
    """Which patients to show. An empty tuple means no restriction on that field."""

    status: tuple[str, ...] = ()
    sex: tuple[str, ...] = ()
    age: tuple[int, int] | None = None  # inclusive, completed years at thalidomide start
    phase: tuple[str, ...] = ()  # phase at thalidomide start
    eutos: tuple[str, ...] = ()
    best: tuple[str, ...] = ()  # best response on thalidomide
    arm: tuple[str, ...] = ()  # treatment arm as randomised (imported trials); any name the database holds

    def __post_init__(self) -> None:
        for name, allowed in (("status", STATUSES), ("sex", SEXES), ("phase", PHASES), ("eutos", EUTOS_GROUPS),
                              ("best", BEST_RESPONSES)):
            unknown = set(getattr(self, name)) - set(allowed)
            if unknown:
                raise ValueError(f"{name}: unknown value(s) {sorted(unknown)}; allowed {list(allowed)}")
        if self.age is not None:
            if len(self.age) != 2 or not all(isinstance(a, int) and not isinstance(a, bool) and 0 <= a <= 150
                                             for a in self.age):
                raise ValueError(f"age: two whole numbers of years between 0 and 150, got {self.age!r}")
            if self.age[0] > self.age[1]:
                raise ValueError(f"age: lower bound {self.age[0]} is above upper bound {self.age[1]}")
        if not all(isinstance(a, str) and a for a in self.arm):
            raise ValueError(f"arm: names of arms, got {self.arm!r}")

    @property
    def active(self) -> bool:
        """True when any field restricts the cohort."""
        return any((self.status, self.sex, self.age is not None, self.phase, self.eutos, self.best, self.arm))
