"""Files between the API and a Cog server: inputs the API holds go to the model inline, file
outputs are stored through the channel and replaced by references."""

from __future__ import annotations

from mimeo.core.data_uris import to_data_uri
from mimeo.runtime.cog_events import Completed, OutputChunk
from mimeo.worker.files import OutputFiles, inline_inputs


async def test_a_blob_reference_in_the_input_reaches_the_model_as_a_data_uri() -> None:
    blobs = {"files/abc/photo.png": b"\x89PNG"}

    async def read(key: str) -> bytes:
        return blobs[key]

    payload = await inline_inputs({"image": "mimeo-blob:files/abc/photo.png", "n": 2}, read)

    assert payload == {"image": to_data_uri("image/png", b"\x89PNG"), "n": 2}


async def test_an_input_without_references_is_passed_as_it_is() -> None:
    async def read(key: str) -> bytes:
        raise AssertionError(f"nothing to read, asked for {key}")

    payload = {"text": "hello", "image": "https://example.com/a.png"}

    assert await inline_inputs(payload, read) is payload


class Stored:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    async def __call__(self, name: str, data: bytes, media_type: str) -> str:
        self.files[name] = (data, media_type)
        return f"mimeo-blob:outputs/p/{name}"


async def test_output_files_are_named_in_order_and_replaced_by_references() -> None:
    stored = Stored()
    files = OutputFiles(stored)

    output = await files.store([to_data_uri("image/png", b"1"), to_data_uri("image/png", b"2")])

    assert output == ["mimeo-blob:outputs/p/output.png", "mimeo-blob:outputs/p/output-1.png"]
    assert stored.files["output-1.png"] == (b"2", "image/png")


async def test_an_iterators_final_output_stores_each_streamed_file_once() -> None:
    stored = Stored()
    files = OutputFiles(stored)
    chunk = to_data_uri("text/plain", b"part")

    streamed = await files.store_in(OutputChunk(chunk, 0))
    final = await files.store_in(Completed("succeeded", output=[chunk]))

    assert isinstance(streamed, OutputChunk)
    assert isinstance(final, Completed)
    assert final.output == [streamed.chunk]
    assert list(stored.files) == ["output.txt"]
