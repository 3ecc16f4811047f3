"""`python -m civres`: the civres command line (civres/cli.py)."""

import sys

from .cli import main

sys.exit(main())
