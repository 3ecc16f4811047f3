"""Browser visualisation of the model (SolaraViz)."""
