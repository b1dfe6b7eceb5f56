"""Contributor tools, behind one entry point: `python -m scripts.tools --help`."""
