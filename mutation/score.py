"""Mutation score of `make mutate`: mutmut's verdicts less the listed equivalent mutants.

Reads the verdict of every mutant (`mutmut results --all true`, run in the staged
copy build/mutation after `mutmut run`; see mutation/stage.py) and the equivalent
mutants listed in mutation/EQUIVALENT.md (first column of its table, each with the
reason it cannot be killed). Prints the score
and every survivor that is neither killed nor listed, and exits 1 below MINIMUM.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from datetime import date
from importlib.metadata import version
from pathlib import Path

MINIMUM = 0.85
EQUIVALENT = Path(__file__).with_name("EQUIVALENT.md")
DETECTED = {"killed", "timeout", "segfault", "caught by type check"}


def verdicts() -> dict[str, str]:
    """Mutant name -> mutmut's verdict, for every mutant of the last run."""
    mutmut = Path(sys.executable).with_name("mutmut")
    out = subprocess.run([str(mutmut), "results", "--all", "true"],
                         capture_output=True, text=True, check=True).stdout
    pairs = (line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)
    return {name: status for name, status in pairs}


def equivalent() -> set[str]:
    """Mutants listed as equivalent: the backticked name opening each table row."""
    return set(re.findall(r"^\| `([^`]+)`", EQUIVALENT.read_text(), flags=re.MULTILINE))


def main() -> int:
    """Print the score; 1 if it is below MINIMUM or a listed mutant no longer exists."""
    found, listed = verdicts(), equivalent()
    counts = Counter(found.values())
    excluded = {n for n in listed if n in found and found[n] not in DETECTED}
    detected = sum(counts[s] for s in DETECTED)
    scored = len(found) - len(excluded) - counts["skipped"]
    score = detected / scored if scored else 0.0
    unexplained = sorted(n for n, s in found.items()
                         if s not in DETECTED and s != "skipped" and n not in listed)
    stale = sorted(listed - set(found))
    print(f"{date.today()}  mutmut {version('mutmut')}  mutants {len(found)}  "
          f"detected {detected}  equivalent {len(excluded)}  survivors {len(unexplained)}")
    for name in unexplained:
        print(f"  not killed: {name} ({found[name]})  -> mutmut show {name}")
    for name in stale:
        print(f"  listed as equivalent but not generated (source changed?): {name}")
    print(f"mutation score {score:.1%} (minimum {MINIMUM:.0%})")
    return 0 if score >= MINIMUM and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
