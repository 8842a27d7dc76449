"""The client's report: HTML blocks, chart style, management summary and offline rendering."""
