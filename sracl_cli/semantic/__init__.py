"""Semantic stage (`sracl embed`): user units, prompts, LLM providers, the response cache, embedders."""
