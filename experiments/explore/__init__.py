"""The strategy explorer: which choices of the movement or the regime change the odds.

    levers      the choices (Params fields) each actor makes, and how far one moves
    setting     a catalogue case or a preset as a set of runs (compare's layers)
    intervals   Wilson and Newcombe intervals for shares and paired changes (pure)
    explore     paired runs, one lever moved at a time; the effects and their table
    figure      the tornado chart

May import: `civres.model`, `civres.errors`, `civres.experiments.sweeps` and
`civres.experiments.history`.
"""
