"""Storage backends: vector stores, the SQLite history + journal (and graph stores, later)."""
