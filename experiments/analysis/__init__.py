"""Analysis of a finished sweep, and figures.

    panels       the panels of a campaign's figure (the saved figure and the app's charts)
    figures      saving figures; the figure of one campaign's trajectory
    sensitivity  Sobol or Morris indices and their figure
    analyze      `civres analyze`: outcome probabilities, maps, sensitivity

May import: `civres.model`, `civres.errors`, `civres.experiments.sweeps`.
"""
