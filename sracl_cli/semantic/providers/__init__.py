"""LLM providers (`sracl.llm_providers` entry points): `passthrough` and `litellm`. The contract is in `protocol.py`."""
