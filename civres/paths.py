"""Where a source checkout keeps its committed results.

civres runs from a checkout (an editable install: `make install`) or from a wheel. In a
checkout, `REPOSITORY` is the folder that holds civres/, model/, experiments/ and
results/; the committed calibration there is what `compare` and `facts` draw coefficients
from. In an installed wheel `REPOSITORY` is site-packages, which holds no results: the
commands then use the Params defaults unless given `--posterior`.
"""

from __future__ import annotations

from pathlib import Path

#: The folder above the `civres` package: the repository root in a checkout.
REPOSITORY = Path(__file__).resolve().parent.parent
#: The committed calibration's folder (written by `civres calibrate`).
COMMITTED_CALIBRATION = REPOSITORY / "results" / "calibration"
