"""civres: an agent-based model of civil resistance campaigns, built on Mesa.

One import name holds the whole project; its parts live in the repository's top-level
folders and are installed as sub-packages:

    civres.model        the model: Params, CivilResistanceModel, run_campaigns, rules
    civres.experiments  sweeps, the comparison with history, calibration, analysis
    civres.viz          the browser app (a Solara page around the Mesa model)
    civres.seeds        the historical case catalogue (package data)
    civres.cli          the `civres` command line (civres.commands: its handlers)
    civres.errors       the error family the command line turns into exit codes

Importing `civres` loads none of them, so `civres.errors` stays cheap to import.
"""

from importlib import metadata

try:
    __version__ = metadata.version("civres")
except metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "unknown"
