"""LiteLLM, shared by the `litellm` LLM provider, the `litellm` embedder and the dry run's estimates.

Importing LiteLLM quietly (only here and only when needed: it takes seconds), offline-safe: the bundled price
map instead of a download, no Hugging Face tokenizer downloads, no feedback banners or warnings, its loggers
silenced. Asking it about prices. And API keys: a recipe names the environment variable holding the key
(`api_key_env`), never the key; the key stays in memory and is cut out of every error text. Without
`api_key_env`, a recipe with `api_base` sends a placeholder key (local servers ignore it) and one without
leaves credentials to LiteLLM's own lookup for that provider (e.g. cloud credentials).

This module imports neither LiteLLM nor anything heavy at import time, so plugin config models can use it.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from types import ModuleType
from typing import Annotated

from pydantic import AfterValidator, Field

from sracl_cli.errors import UsageError

LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Proxy", "LiteLLM Router")
LOCAL_SERVER_KEY = "no-key"
REDACTED = "[redacted]"


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


def _a_name_not_a_key(name: str | None) -> str | None:
    if name is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError("expected the NAME of an environment variable (the key itself never goes in a recipe)")
    return name


ApiKeyEnv = Annotated[
    str | None,
    AfterValidator(_a_name_not_a_key),
    Field(description="NAME of the environment variable holding the API key"),
]
"""The type of an `api_key_env` config key: None, or a valid environment variable name."""


def read_api_key(section: str, api_key_env: str | None, api_base: str | None) -> str | None:
    """The key to pass as `api_key=`: from the environment variable `api_key_env` names (UsageError when it
    is unset or empty), else the placeholder for a local server (`api_base` set), else None."""
    if api_key_env is None:
        return LOCAL_SERVER_KEY if api_base else None
    key = os.environ.get(api_key_env, "").strip()
    if not key:
        raise UsageError(
            f"{section}.api_key_env: the environment variable {api_key_env} is not set (it must hold the API key)"
        )
    return key


def redact(text: str, secret: str | None) -> str:
    if secret and secret != LOCAL_SERVER_KEY:
        text = text.replace(secret, REDACTED)
    return text
