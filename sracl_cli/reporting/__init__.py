"""`sracl page RUN`: one static HTML page per run (training curves, metrics by sequence length, semantic
neighbours with titles), built from what the run directory already holds."""
