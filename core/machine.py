"""A state machine as one declarative table (DESIGN.md, "How the code is arranged" 2), for the
objects whose life is a few steps: rosters, teacher accounts, profile change requests. (Entries
have their own, richer table in reviews/workflow.py, 审证 hand-ins theirs in audits/workflow.py.)

A step says the states it acts on, where each decision leads, who acts (a key that
accounts.access resolves with the object's scope) and the refusal an object elsewhere gets. The
services ask the table (`require`, `leads_to`) instead of comparing states themselves, and a test
walks every move the services make against `pairs()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

# The state of an object that does not exist yet (a step that creates it starts here).
NEW = ""


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    from_states: tuple[str, ...]
    leads_to: Mapping[str, str]  # decision → the state it leads to
    actor: str
    # The refusal when the object is in a state the step does not act on; {state} is that state's label.
    refused: str = "当前状态为“{state}”，不能{label}。"
    needs_reason: tuple[str, ...] = field(default=())  # decisions that must give a reason


class Machine:
    def __init__(self, noun: str, steps: Iterable[Step]):
        self.noun = noun
        self.steps: dict[str, Step] = {}
        for step in steps:
            assert step.name not in self.steps, step.name
            self.steps[step.name] = step

    def __getitem__(self, name: str) -> Step:
        return self.steps[name]

    def require(self, name: str, state: str, *, state_label: str, error: Callable[[str], Exception]) -> Step:
        """The step; raises `error(the step's refusal)` when `state` is not one it acts on."""
        step = self.steps[name]
        if state not in step.from_states:
            raise error(step.refused.format(state=state_label, label=step.label))
        return step

    def leads_to(self, name: str, decision: str) -> str:
        return self.steps[name].leads_to[decision]

    def acts_on(self, name: str, state: str) -> bool:
        return state in self.steps[name].from_states

    def pairs(self) -> set[tuple[str, str]]:
        """Every (from, to) move the table allows."""
        return {(a, b) for step in self.steps.values() for a in step.from_states for b in step.leads_to.values()}
