"""The consultancy's cross-client portfolio: key figures of every run in SQLite, and their pages."""
