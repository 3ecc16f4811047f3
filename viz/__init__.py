"""Browser visualisation of the model: a Solara page (viz/page.py)."""
