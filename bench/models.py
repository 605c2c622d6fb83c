"""The model library through mimeo vs each predictor called directly in one process.

For every bundled example (or those named with ``--only``): cold start through mimeo (push →
first output, environment builds included unless cached), warm latency through mimeo (sync
``Prefer: wait``) against the same predictor called in-process with the same inputs
(``direct_predict.py`` in the model's own venv), and for streaming models the time to the first
item and items (tokens) per second both ways. Ratios are mimeo / direct.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import statistics
import subprocess
import tempfile
import time
import wave
from array import array
from pathlib import Path
from typing import Any

import av
import httpx
from harness import ROOT, TOKEN, mimeo_server, push
from PIL import Image, ImageDraw, ImageFont
from rich.console import Console
from rich.table import Table

from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.prepare import prepare
from mimeo.settings import Settings
from mimeo.worker.pool import THREAD_VARIABLES

EXAMPLES = ROOT / "examples"
DRIVER = Path(__file__).resolve().parent / "direct_predict.py"
PICTURE = "@picture"
TEXT_PICTURE = "@text-picture"
SPEECH = "@speech"
KEY_FRAME, LAST_FRAME = "@key-frame", "@last-frame"
CLIP = "@clip"
MEDIA_TYPES = {".wav": "audio/wav", ".png": "image/png", ".mp4": "video/mp4"}
INPUTS: dict[str, dict[str, Any]] = {
    "hello-world": {"text": "bench"},
    "image-filter": {"image": PICTURE, "filter": "grayscale"},
    "gemma-3-270m": {"prompt": "The three primary colours are", "max_tokens": 64, "seed": 7},
    "face-gan": {"num_outputs": 4, "seed": 7},
    "real-esrgan": {"image": PICTURE, "scale": 2},
    "all-minilm-l6-v2": {"texts": "A cat sits on the mat.\nStocks fell sharply today."},
    "piper-tts": {"text": "mimeo runs open models on your own machines."},
    "rapid-ocr": {"image": TEXT_PICTURE},
    "silero-vad": {"audio": SPEECH},
    "rife-interpolation": {"images": [KEY_FRAME, LAST_FRAME], "fps": 24, "multiplier": 4},
    "video-upscale": {"video": CLIP, "scale": 2},
}
SYNC = {"Prefer": "wait=60"}
COLUMNS = (
    "example",
    "cold start",
    "direct setup",
    "warm mimeo",
    "warm direct",
    "ratio",
    "first item mimeo",
    "first item direct",
    "items/s mimeo",
    "items/s direct",
)
console = Console(width=150)


def pictures(directory: Path) -> dict[str, Path]:
    photo = Image.new("RGB", (128, 96))
    ImageDraw.Draw(photo).ellipse((20, 10, 100, 80), fill=(200, 120, 40))
    photo.save(directory / "picture.png")
    text = Image.new("RGB", (480, 120), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 48)
    ImageDraw.Draw(text).text((20, 30), "MIMEO OCR", font=font, fill="black")
    text.save(directory / "text-picture.png")
    for name, x in ((KEY_FRAME, 40), (LAST_FRAME, 120)):
        frame = Image.new("RGB", (256, 192), "white")
        ImageDraw.Draw(frame).ellipse((x, 60, x + 64, 124), fill=(200, 40, 40))
        frame.save(directory / f"{name[1:]}.png")
    return {
        PICTURE: directory / "picture.png",
        TEXT_PICTURE: directory / "text-picture.png",
        SPEECH: speech(directory / "speech.wav"),
        KEY_FRAME: directory / "key-frame.png",
        LAST_FRAME: directory / "last-frame.png",
        CLIP: clip(directory / "clip.mp4"),
    }


def clip(path: Path, seconds: int = 2, rate: int = 12, size: tuple[int, int] = (160, 120)) -> Path:
    """Two seconds of a ball crossing a 160 by 120 frame, H.264 at 12 frames per second."""
    with av.open(str(path), "w") as video:
        stream = video.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        for index in range(seconds * rate):
            frame = Image.new("RGB", size, "white")
            ImageDraw.Draw(frame).ellipse((index * 5, 40, index * 5 + 40, 80), fill="navy")
            video.mux(stream.encode(av.VideoFrame.from_image(frame)))
        video.mux(stream.encode(None))
    return path


def speech(path: Path, rate: int = 16000, repeats: int = 5) -> Path:
    """13.5 s of 16-bit WAV: 1 s of silence, then 1.5 s of vowel-like syllables (glottal
    pulses through two-pole formant resonators), five times over; Silero hears them as speech."""
    vowels = [(730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480), (300, 870, 2240)]
    samples = array("h")
    for _ in range(repeats):
        samples.extend([0] * rate)
        for vowel in vowels * 2:  # 8 syllables of 3/16 s
            length = rate * 3 // 16
            poles = [(math.exp(-math.pi * 100 / rate), f) for f in vowel]
            coeffs = [(2 * r * math.cos(2 * math.pi * f / rate), -r * r) for r, f in poles]
            memory = [[0.0, 0.0] for _ in coeffs]
            part = []
            for n in range(length):
                value = 1.0 if n % (rate // 130) == 0 else 0.0
                for (a1, a2), state in zip(coeffs, memory, strict=True):
                    value += a1 * state[0] + a2 * state[1]
                    state[1], state[0] = state[0], value
                part.append(value * math.sin(math.pi * n / length))
            peak = max(abs(v) for v in part) or 1.0
            samples.extend(round(12000 * v / peak) for v in part)
    samples.extend([0] * rate)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def resolved(inputs: dict[str, Any], files: dict[str, Path], as_uri: bool) -> dict[str, Any]:
    def one(value: Any) -> Any:
        if isinstance(value, list):
            return [one(item) for item in value]
        if value not in files:
            return value
        path = files[value]
        kind = MEDIA_TYPES[path.suffix]
        return (
            f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"
            if as_uri
            else str(path)
        )

    return {name: one(value) for name, value in inputs.items()}


def instance_threads() -> int:
    """The threads mimeo's worker gives each instance here (``cli.worker_node``): its CPUs
    shared among ``max_instances``. The direct run gets the same, so the ratio is mimeo's own
    cost and not a difference in the model's compute (torch on two threads or one)."""
    return max(1, len(os.sched_getaffinity(0)) // Settings().max_instances)


def direct(name: str, inputs: dict[str, Any], env_dir: Path, runs: int) -> dict[str, Any]:
    import asyncio

    model_dir = EXAMPLES / name
    prepared = asyncio.run(prepare(model_dir, EnvironmentBuilder(env_dir)))
    request = {"predict": prepared.config.predict, "inputs": inputs, "runs": runs}
    threads = str(instance_threads())
    out = subprocess.run(
        [str(prepared.environment.python), str(DRIVER), json.dumps(request)],
        env={**os.environ, **dict.fromkeys(THREAD_VARIABLES, threads)},
        cwd=model_dir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def through_mimeo(
    url: str, name: str, inputs: dict[str, Any], env_dir: Path, runs: int, streams: bool
) -> dict[str, Any]:
    """Cold start, then warm runs: sync (``Prefer: wait``) for the latency, and over the
    prediction's SSE stream for a streaming model's first item and rate."""
    began = time.perf_counter()
    push(url, EXAMPLES / name, f"bench/{name}", env_dir)
    path = f"/v1/models/bench/{name}/predictions"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=url, headers=headers, timeout=600) as http:
        first = finish(http, http.post(path, json={"input": inputs}).json())
        cold = time.perf_counter() - began
        assert first["status"] == "succeeded", first
        totals, firsts, items = [], [], []
        for _ in range(runs):
            started = time.perf_counter()
            done = finish(http, http.post(path, json={"input": inputs}, headers=SYNC).json())
            totals.append(time.perf_counter() - started)
            assert done["status"] == "succeeded", done
            if streams:
                started = time.perf_counter()
                created = http.post(path, json={"input": inputs}).json()
                seen, first_item, ended = stream(created["urls"]["stream"])
                firsts.append(first_item - started if first_item else None)
                items.append((seen, ended - started))
    return {"cold": cold, "totals": totals, "firsts": firsts, "items": items}


def finish(http: httpx.Client, prediction: dict[str, Any]) -> dict[str, Any]:
    while prediction["status"] not in ("succeeded", "failed", "canceled"):
        time.sleep(0.05)
        prediction = http.get(f"/v1/predictions/{prediction['id']}").json()
    return prediction


def stream(stream_url: str) -> tuple[int, float | None, float]:
    """Output events seen on the prediction's SSE stream, when the first and the end came."""
    count, first = 0, None
    with httpx.stream(
        "GET", stream_url, headers={"Accept": "text/event-stream"}, timeout=600
    ) as response:
        event = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "output":
                count += 1
                first = first or time.perf_counter()
            elif line.startswith("data:") and event == "done":
                break
    return count, first, time.perf_counter()


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def ratio(a: float | None, b: float | None) -> str:
    return "-" if not a or not b else f"{a / b:.2f}x"


def row(name: str, served: dict[str, Any], alone: dict[str, Any]) -> list[str]:
    warm_m = statistics.median(served["totals"])
    warm_d = statistics.median(run["total"] for run in alone["runs"])
    firsts_m = [f for f in served["firsts"] if f]
    firsts_d = [run["first"] for run in alone["runs"] if run["first"]]
    first_m = statistics.median(firsts_m) if firsts_m else None
    first_d = statistics.median(firsts_d) if firsts_d else None
    rate_m = rate_d = "-"
    if first_m is not None and first_d is not None:
        timed = zip(served["items"], served["firsts"], strict=True)
        rates = (n / (t - f) for (n, t), f in timed if f and t > f)
        rate_m = f"{statistics.median(rates):.1f}"
        direct_rates = (r["items"] / (r["total"] - r["first"]) for r in alone["runs"] if r["first"])
        rate_d = f"{statistics.median(direct_rates):.1f}"
    return [
        name,
        seconds(served["cold"]),
        seconds(alone["setup"]),
        seconds(warm_m),
        seconds(warm_d),
        ratio(warm_m, warm_d),
        seconds(first_m),
        seconds(first_d),
        rate_m,
        rate_d,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", help="an example's name (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--env-dir", type=Path, help="reuse model environments from here (default: a fresh one)"
    )
    args = parser.parse_args()
    names = [n for n in INPUTS if (EXAMPLES / n / "cog.yaml").is_file()]
    names = [n for n in names if not args.only or n in args.only]
    table = Table(title="examples: through mimeo vs the predictor called directly (seconds)")
    for column in COLUMNS:
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as scratch:
        env_dir = args.env_dir or Path(scratch) / "envs"
        files = pictures(Path(scratch))
        with mimeo_server(env_dir) as url:
            for name in names:
                console.print(f"[bold]{name}[/]")
                inputs = INPUTS[name]
                alone = direct(name, resolved(inputs, files, False), env_dir, args.runs)
                streams = any(run["first"] is not None for run in alone["runs"])
                served = through_mimeo(
                    url, name, resolved(inputs, files, True), env_dir, args.runs, streams
                )
                table.add_row(*row(name, served, alone))
    console.print(table)
    console.print(
        "cold start = push (environment build unless cached, schema) to the first output; "
        "warm = one prediction end to end; ratio = warm mimeo / warm direct; "
        "items are output chunks (tokens for the LLM); the direct runs get the threads an "
        f"instance gets from mimeo's worker ({instance_threads()} here)."
    )


if __name__ == "__main__":
    main()
