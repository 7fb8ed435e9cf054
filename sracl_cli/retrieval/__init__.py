"""Retrieval stage (`sracl index`): vector stores, neighbour tables, the recall check."""
