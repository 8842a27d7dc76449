"""Workshop mode: capture maturity answers, journey ratings, pain points and
measures live in JupyterLab, save them safely into the client's files, and
produce the report from inside the workshop."""
