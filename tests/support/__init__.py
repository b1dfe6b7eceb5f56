"""Test support: what the tests share (manifest rules, project copies, the browser helpers)."""
