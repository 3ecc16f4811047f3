"""The strategy explorer's levers: the choices of the movement and of the regime.

A lever is one Params field that an actor chooses (not a condition it finds, such as
the regime type or the year). The explorer moves one lever at a time, in each run from
that run's own value, and keeps everything else, the seed included, as it was: a
numeric lever moves down and up by its step (clipped at its range, so a run already at
a bound moves less; the table reports the mean value before and after), a switch is
flipped, and a pillar the movement can target gets a share of its organising (up only:
no case sets targeting, so there is nothing to take away; the four shares stay within
their sum of 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from civres.model import Params
from civres.model.params import CIVILIAN_PILLARS, TARGET_FIELDS

#: Every parameter's allowed range, from Params' own declaration.
RANGES = {row["name"]: tuple(row["range"]) for row in Params.describe()}


class Actor(StrEnum):
    """Who pulls a lever."""

    MOVEMENT = "movement"
    REGIME = "regime"


@dataclass(frozen=True)
class Lever:
    """One choice an actor makes: a Params field and how far the explorer moves it."""

    name: str
    actor: Actor
    param: str
    label: str
    step: float | None  # None: a switch, flipped
    one_way: bool = False  # moved up only

    @property
    def moves(self) -> tuple[str, ...]:
        """The directions the explorer moves this lever in."""
        if self.step is None:
            return ("flip",)
        return ("up",) if self.one_way else ("down", "up")

    def moved(self, values: dict[str, Any], move: str) -> dict[str, Any]:
        """A run's parameters with this lever moved, everything else as it was."""
        value = values[self.param]
        if move == "flip":
            return {**values, self.param: not value}
        lo, hi = RANGES[self.param]
        if self.param in TARGET_FIELDS:  # the shares of organising sum to at most 1
            hi = min(hi, 1.0 - sum(values[f] for f in TARGET_FIELDS if f != self.param))
        shift = -self.step if move == "down" else self.step
        return {**values, self.param: min(hi, max(lo, value + shift))}


#: Targeting a pillar moves half of the movement's organising to its constituency.
TARGET_STEP = 0.5
#: The levers, movement first. Steps are a fifth of the unit range for the shares and
#: willingnesses, smaller for breadth (a coalition's reach changes slowly).
LEVERS: dict[str, Lever] = {lever.name: lever for lever in (
    Lever("discipline", Actor.MOVEMENT, "discipline", "nonviolent discipline", 0.2),
    Lever("tactics", Actor.MOVEMENT, "dispersed_share",
          "dispersed tactics (strikes, boycotts) share", 0.2),
    Lever("breadth", Actor.MOVEMENT, "breadth",
          "breadth of the coalition (ties to civilian pillars)", 0.15),
    Lever("goal", Actor.MOVEMENT, "reform_goal", "demand a reform, not the regime's end",
          None),
    *(Lever(field, Actor.MOVEMENT, field, f"organise among the {pillar.value.replace('_', ' ')}"
            f" pillar's constituency", TARGET_STEP, one_way=True)
      for pillar, field in zip(CIVILIAN_PILLARS, TARGET_FIELDS, strict=True)),
    Lever("repression", Actor.REGIME, "repression", "willingness to repress", 0.2),
    Lever("concessions", Actor.REGIME, "responsiveness",
          "readiness to grant demands (responsiveness)", 0.2),
    Lever("learning", Actor.REGIME, "learning",
          "authoritarian learning (targeted repression, co-optation)", 0.2),
)}


def chosen_levers(names: list[str] | None) -> list[Lever]:
    """The levers named (all of them for None), in the order given.

    Raises:
        ValueError: one line naming an unknown lever and the allowed names.
    """
    if names is None:
        return list(LEVERS.values())
    unknown = [name for name in names if name not in LEVERS]
    if unknown:
        raise ValueError(f"unknown lever {unknown[0]!r}; allowed: {', '.join(LEVERS)}")
    if len(set(names)) != len(names):
        raise ValueError(f"lever {next(n for n in names if names.count(n) > 1)!r} is named "
                         "twice")
    if not names:
        raise ValueError(f"no lever named; allowed: {', '.join(LEVERS)}")
    return [LEVERS[name] for name in names]
