"""Mutation score of `make mutate`: mutmut's verdicts less the listed equivalent mutants.

Reads, for each part run (mutation/parts.toml), the verdict of every mutant (`mutmut
results --all true`, in the part's staged copy build/mutation/<part>/) and the
equivalent mutants listed in mutation/EQUIVALENT.md (first column of its tables, each with
the reason it cannot be killed). Prints the score per part and in total, names every
survivor that is neither killed nor listed, and exits 1 below MINIMUM or when a listed
mutant of a part's modules no longer exists.

Usage: python mutation/score.py [PART ...]   (the parts with a staged copy when none)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from stage import parts  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STAGE = ROOT / "build" / "mutation"
MINIMUM = 0.90
EQUIVALENT = Path(__file__).with_name("EQUIVALENT.md")
DETECTED = {"killed", "timeout", "segfault", "caught by type check"}
TIMING = "minutes.json"  # written by mutation/run.py beside each part's mutants


@dataclass
class PartScore:
    """One part's counts; `survivors` are the mutants neither detected nor listed."""

    part: str
    mutants: int = 0
    detected: int = 0
    equivalent: int = 0
    skipped: int = 0
    minutes: float | None = None
    survivors: list[tuple[str, str]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def scored(self) -> int:
        """Mutants that count: all but the listed equivalents and the skipped."""
        return self.mutants - self.equivalent - self.skipped

    @property
    def score(self) -> float:
        """Share of the counted mutants that the tests detected."""
        return self.detected / self.scored if self.scored else 0.0


def verdicts(folder: Path) -> dict[str, str]:
    """Mutant name -> mutmut's verdict, for every mutant of the last run in folder."""
    mutmut = Path(sys.executable).with_name("mutmut")
    out = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=folder,
                         capture_output=True, text=True, check=True).stdout
    pairs = (line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)
    return {name: status for name, status in pairs}


def equivalent() -> set[str]:
    """Mutants listed as equivalent: the backticked name opening each table row."""
    return set(re.findall(r"^\| `([^`]+)`", EQUIVALENT.read_text(), flags=re.MULTILINE))


def module_names(modules: list[str]) -> set[str]:
    """Dotted module names of a part's paths (civres/model/engine.py -> civres.model.engine)."""
    return {path.removesuffix(".py").replace("/", ".") for path in modules}


def score_part(part: str, modules: list[str], found: dict[str, str],
               listed: set[str]) -> PartScore:
    """Count one part's verdicts; a listed mutant of its modules that was not generated is stale."""
    counts = Counter(found.values())
    excluded = {n for n in listed if n in found and found[n] not in DETECTED}
    names = module_names(modules)
    mine = {n for n in listed if n.split(".x", 1)[0] in names}
    return PartScore(
        part=part, mutants=len(found), detected=sum(counts[s] for s in DETECTED),
        equivalent=len(excluded), skipped=counts["skipped"],
        survivors=sorted((n, s) for n, s in found.items()
                         if s not in DETECTED and s != "skipped" and n not in listed),
        stale=sorted(mine - set(found)))


def report(scores: list[PartScore]) -> int:
    """Print a line per part, the survivors and the total; 1 below MINIMUM or if stale."""
    print(f"{date.today()}  mutmut {version('mutmut')}")
    print(f"{'part':<10}{'mutants':>9}{'detected':>10}{'equiv.':>8}{'survive':>9}"
          f"{'score':>8}{'minutes':>9}")
    for s in scores:
        minutes = f"{s.minutes:.0f}" if s.minutes is not None else "?"
        print(f"{s.part:<10}{s.mutants:>9}{s.detected:>10}{s.equivalent:>8}"
              f"{len(s.survivors):>9}{s.score:>8.1%}{minutes:>9}")
    total = PartScore("total", sum(s.mutants for s in scores),
                      sum(s.detected for s in scores), sum(s.equivalent for s in scores),
                      sum(s.skipped for s in scores))
    for s in scores:
        for name, status in s.survivors:
            print(f"  not killed ({s.part}): {name} ({status})  -> mutmut show {name}")
        for name in s.stale:
            print(f"  listed as equivalent but not generated (source changed?): {name}")
    print(f"mutation score {total.score:.1%} over {len(scores)} part(s) "
          f"(minimum {MINIMUM:.0%})")
    stale = any(s.stale for s in scores)
    return 0 if total.score >= MINIMUM and not stale else 1


def score_parts(names: list[str]) -> list[PartScore]:
    """Score the named parts from their staged copies."""
    known, listed = parts(), equivalent()
    scores = []
    for name in names:
        folder = STAGE / name
        timing = folder / TIMING
        part = score_part(name, known[name]["modules"], verdicts(folder), listed)
        if timing.exists():
            part.minutes = json.loads(timing.read_text())["minutes"]
        scores.append(part)
    return scores


def main(argv: list[str]) -> int:
    """Score the named parts (those with a staged copy when none); the exit status."""
    names = argv or sorted(p.name for p in STAGE.iterdir() if (p / "mutants").is_dir())
    if not names:
        print(f"no part has been run: nothing under {STAGE}", file=sys.stderr)
        return 2
    return report(score_parts(names))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
