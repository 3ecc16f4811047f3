"""`python -m experiments`: the civres command line (experiments/cli.py)."""

import sys

from experiments.cli import main

sys.exit(main())
