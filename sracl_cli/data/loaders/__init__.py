"""Dataset loaders, one module per file format; each exposes `SPEC` for the `sracl.datasets` entry points."""
