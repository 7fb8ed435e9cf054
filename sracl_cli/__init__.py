"""sracl: SRA-CL for sequential recommendation as a recipe-driven toolkit."""

__version__ = "0.1.0"
