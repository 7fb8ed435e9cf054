"""Vector stores (`sracl.vector_stores` entry points): cosine top-k over integer-keyed vectors."""
