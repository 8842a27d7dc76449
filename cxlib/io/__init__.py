"""Client data in and out: canonical tables, source files, cell parsing, loading, data overview and
the files written beside the report.
"""
