"""The committed calibration's posterior, as `civres compare` and `civres facts` use it.

Each run draws its coefficients from the posterior's particles by weight (parameter
uncertainty, on top of the coding uncertainty of a case's levels), from a generator
seeded by the command's master seed on a stream of its own. Without a posterior
(`--no-posterior`, or no file), runs use the Params defaults.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civres.errors import UsageError
from civres.model import Params
from civres.paths import COMMITTED_CALIBRATION, REPOSITORY

#: The committed calibration's posterior (written by `civres calibrate`).
DEFAULT_POSTERIOR = COMMITTED_CALIBRATION / "posterior.csv"
#: Third entropy word of the generator that draws coefficients (0: runs, 1: coding).
POSTERIOR_STREAM = 3


class Posterior:
    """Particles (one column per coefficient) and their weights."""

    def __init__(self, particles: pd.DataFrame, source: str, digest: str) -> None:
        self.particles = particles.drop(columns="weight").reset_index(drop=True)
        weights = particles["weight"].to_numpy(dtype=float)
        self.weights = weights / weights.sum()
        self.source = source
        self.digest = digest

    @property
    def names(self) -> list[str]:
        """The calibrated coefficients."""
        return list(self.particles.columns)

    def draw(self, n: int, seed: int) -> list[dict[str, float]]:
        """N coefficient sets drawn by weight, reproducibly for a seed."""
        return self.draw_from(np.random.default_rng([seed, POSTERIOR_STREAM]), n)

    def draw_from(self, rng: np.random.Generator, n: int) -> list[dict[str, float]]:
        """N coefficient sets drawn by weight from the given generator."""
        chosen = rng.choice(len(self.particles), size=n, p=self.weights)
        rows = self.particles.to_dict("records")
        return [{k: float(v) for k, v in rows[i].items()} for i in chosen]

    def describe(self) -> dict[str, Any]:
        """Where the posterior came from, for manifests and reports."""
        return {"posterior": self.source, "posterior_sha256": self.digest,
                "posterior_particles": len(self.particles), "calibrated": self.names}


def load_posterior(path: str | Path | None = DEFAULT_POSTERIOR) -> Posterior | None:
    """The posterior in a `posterior.csv`; None for path None or the default file missing.

    Raises:
        UsageError: a named file that is missing or not a posterior (columns that are
            not Params fields, no positive weight).
    """
    if path is None:
        return None
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        if path == DEFAULT_POSTERIOR:
            return None
        raise UsageError(f"--posterior {path}: cannot read it ({err.strerror or err})"
                         ) from None
    from io import BytesIO

    try:
        particles = pd.read_csv(BytesIO(data))
    except (ValueError, pd.errors.ParserError) as err:
        raise UsageError(f"--posterior {path}: not a CSV table ({err})") from None
    known = set(Params.__dataclass_fields__)
    unknown = [c for c in particles.columns if c != "weight" and c not in known]
    weights = pd.to_numeric(particles.get("weight", pd.Series(dtype=float)), errors="coerce")
    if unknown or weights.empty or not (weights.fillna(-1) >= 0).all() or weights.sum() <= 0:
        raise UsageError(f"--posterior {path}: need a 'weight' column (>= 0, not all 0) and "
                         "one column per Params field" + (f"; unknown: {unknown[0]}"
                                                          if unknown else ""))
    try:
        for row in particles.drop(columns="weight").to_dict("records"):
            Params(**row)
    except ValueError as err:
        raise UsageError(f"--posterior {path}: {err}") from None
    return Posterior(particles, _shown(path), hashlib.sha256(data).hexdigest())


def _shown(path: Path) -> str:
    """The path as results show it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPOSITORY))
    except ValueError:
        return str(path)
