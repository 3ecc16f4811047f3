"""The model beside history: the case catalogue, the comparison and the aggregate facts.

    cases       the catalogue's schema; loading and checking a case file
    mapping     the one general mapping from a case's coded conditions to Params
    posterior   the calibrated coefficients that runs draw from (a CSV of particles)
    scores      accuracy, Brier, log-loss, bootstrap intervals (pure functions)
    baselines   base rates and a logistic regression on the same coded conditions
    patterns    peak, defections and duration per case, scored beside two baselines
    compare     `civres compare`: every case simulated and scored beside the baselines
    facts       `civres facts`: sampled campaigns set beside the published figures

May import: `civres.model`, `civres.errors`, `civres.experiments.sweeps` and
`civres.experiments.analysis` (figures).
"""
