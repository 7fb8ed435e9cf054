"""Embedders (`sracl.embedders` entry points): texts → L2-normalised float32 vectors."""
