"""How LLM failures are classified and named: a server that cannot be reached stops the run at once."""

from __future__ import annotations

import asyncio
import socket

import pytest

from sracl_cli.semantic.providers import retry


class APIConnectionError(Exception):
    """Named as the OpenAI client's: LiteLLM wraps it in an HTTP 500 InternalServerError."""


class InternalServerError(Exception):
    status_code = 500


def wrapped(cause: BaseException) -> InternalServerError:
    """What LiteLLM raises: InternalServerError <- APIConnectionError <- ... <- the socket error."""
    try:
        try:
            raise cause
        except BaseException as error:
            raise APIConnectionError("Connection error.") from error
    except APIConnectionError as error:
        outer = InternalServerError("litellm.InternalServerError: OpenAIException - Connection error.")
        outer.__cause__ = error
        return outer


@pytest.mark.parametrize(("cause", "named"), [
    (ConnectionRefusedError(111, "Connect call failed"), "connection refused"),
    (socket.gaierror(-2, "Name or service not known"), "DNS lookup failed"),
])
def test_an_unreachable_server_is_not_transient(cause, named):
    error = wrapped(cause)
    assert retry.verdict(error) == "abort"
    assert retry.unreachable(error) == retry.what_happened(error) == named


def test_failures_are_named_by_what_happened():
    assert retry.what_happened(wrapped(ConnectionResetError(104, "reset"))) == "connection error"
    assert retry.verdict(wrapped(ConnectionResetError(104, "reset"))) == "retry"
    assert retry.what_happened(InternalServerError("boom")) == "HTTP 500 InternalServerError"
    assert retry.what_happened(asyncio.TimeoutError()) == "timed out"
