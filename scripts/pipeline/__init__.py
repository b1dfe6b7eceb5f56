"""The site build: the MkDocs hook and everything it calls (diagrams, versions, page meta)."""
