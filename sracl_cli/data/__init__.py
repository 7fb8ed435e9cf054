"""Data layer: loaders (one module per file format), the in-memory dataset, k-core, leave-one-out split."""
