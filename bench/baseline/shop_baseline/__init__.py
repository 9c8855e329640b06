"""The baseline shop: what one would write as a single FastAPI process (see bench/README.md)."""
