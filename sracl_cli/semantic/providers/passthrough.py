"""`passthrough`: no model; each prompt's text is its own user message (the paper's "w/o LLM" ablation)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from sracl_cli.semantic.providers.protocol import ProviderSpec, Request, Result


class PassthroughConfig(BaseModel):
    """No keys of its own: any key in [llm] besides sracl's core ones is an error."""

    model_config = ConfigDict(extra="forbid")


class PassthroughProvider:
    name = "passthrough"
    generates = False

    def identity(self) -> dict[str, Any]:
        return {"provider": self.name}

    async def generate(self, requests: Iterable[Request]) -> AsyncIterator[Result]:
        for request in requests:
            yield Result(key=request.key, text=request.messages[-1]["content"], attempts=0)


SPEC = ProviderSpec(
    config_model=PassthroughConfig,
    build=lambda config: PassthroughProvider(),
    identity=lambda config: PassthroughProvider().identity(),
    generates=False,
    description="the prompt's user message itself, no LLM",
)
