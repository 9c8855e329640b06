"""Demo data for development: `python -m catalog.seed` (or `make seed`)."""
