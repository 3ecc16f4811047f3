"""`make mutate`: run mutmut over each part of mutation/parts.toml, then score them all.

Each part is staged into build/mutation/<part>/ (mutation/stage.py) and mutated there
with its own test selection; mutmut's output goes to that folder's mutmut.log, and the
part's wall time to minutes.json. The score (mutation/score.py) covers the parts run.

Usage: python mutation/run.py [PART ...]   (every part when none)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from score import STAGE, TIMING, report, score_parts  # noqa: E402
from stage import parts, stage  # noqa: E402


def run_part(name: str) -> None:
    """Stage one part and run mutmut over it; stop everything if mutmut fails."""
    folder = STAGE / name
    stage(folder, name)
    mutmut = Path(sys.executable).with_name("mutmut")
    print(f"part {name}: mutmut running in {folder} (log: {folder / 'mutmut.log'})",
          flush=True)
    start = time.monotonic()
    with open(folder / "mutmut.log", "w") as log:
        done = subprocess.run([str(mutmut), "run"], cwd=folder, stdout=log,
                              stderr=subprocess.STDOUT)
    minutes = (time.monotonic() - start) / 60
    (folder / TIMING).write_text(json.dumps({"minutes": round(minutes, 1)}))
    if done.returncode != 0:
        sys.exit(f"part {name}: mutmut exited {done.returncode}; see {folder / 'mutmut.log'}")
    print(f"part {name}: {minutes:.0f} minutes", flush=True)


def main(argv: list[str]) -> int:
    """Run the named parts (all when none), then print their score; the exit status."""
    known = parts()
    unknown = [name for name in argv if name not in known]
    if unknown:
        print(f"unknown part {unknown[0]!r}: choose from {', '.join(known)}", file=sys.stderr)
        return 2
    names = argv or list(known)
    for name in names:
        run_part(name)
    return report(score_parts(names))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
