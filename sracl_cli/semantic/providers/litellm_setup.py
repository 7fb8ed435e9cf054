"""Importing LiteLLM quietly, and asking it about prices.

LiteLLM is imported only here and only when needed (it takes seconds), offline-safe: the bundled price map
instead of a download, no Hugging Face tokenizer downloads, no feedback banners or warnings, its loggers silenced.
"""

from __future__ import annotations

import logging
import os
import warnings
from types import ModuleType

LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Proxy", "LiteLLM Router")


def quiet_litellm() -> ModuleType:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # else it downloads the price map on import
    import litellm

    litellm.suppress_debug_info = True
    litellm.turn_off_message_logging = True
    litellm.disable_hf_tokenizer_download = True
    for name in LITELLM_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    # Pydantic warns about LiteLLM's own TypedDicts the first time a call builds their schemas.
    warnings.filterwarnings("ignore", message=r".*using the `ReadOnly` qualifier", category=UserWarning)
    return litellm


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Price of a call in USD from LiteLLM's price map, or None where the model is not priced."""
    litellm = quiet_litellm()
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    except Exception:  # LiteLLM raises a variety of errors for models it has no price for
        return None
    return float(prompt_cost) + float(completion_cost)
