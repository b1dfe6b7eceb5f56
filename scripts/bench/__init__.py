"""The benchmark: `make bench` runs `python -m scripts.bench` (build, set-up, page and picture figures)."""
