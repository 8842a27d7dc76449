"""Reference figures for the tests, each with its source."""
