"""The bundled examples, filed in collections by task as ``mimeo serve`` pushes them.

Filing is idempotent: every start saves the collections again and adds each example that is
pushed (one left out for a missing system package is simply not in its collection).
"""

from __future__ import annotations

from dataclasses import dataclass

from mimeo.store.store import Store


@dataclass(frozen=True)
class ExampleCollection:
    slug: str
    name: str
    description: str
    examples: tuple[str, ...]


EXAMPLE_COLLECTIONS = (
    ExampleCollection(
        "text",
        "Text",
        "Models that write or transform text.",
        ("hello-world", "gemma-3-270m"),
    ),
    ExampleCollection(
        "image",
        "Image",
        "Models that generate, filter or upscale images.",
        ("sdxl-turbo", "face-gan", "image-filter", "real-esrgan"),
    ),
    ExampleCollection(
        "audio",
        "Audio",
        "Models that speak text aloud or find speech in a recording.",
        ("piper-tts", "silero-vad"),
    ),
    ExampleCollection(
        "embeddings",
        "Embeddings",
        "Models that turn text into vectors for search and clustering.",
        ("all-minilm-l6-v2",),
    ),
    ExampleCollection(
        "vision",
        "Vision",
        "Models that read what an image shows.",
        ("rapid-ocr",),
    ),
    ExampleCollection(
        "video",
        "Video",
        "Models that make or upscale videos.",
        ("rife-interpolation", "video-upscale"),
    ),
)


async def file_examples(store: Store, owner: str, pushed: list[str]) -> None:
    """Put the examples named in ``pushed`` (those of ``owner`` that exist) in their
    collections; a collection is made once one of its examples is there."""
    for collection in EXAMPLE_COLLECTIONS:
        members = [name for name in collection.examples if name in pushed]
        models = [m for name in members if (m := await store.catalog.find_model(owner, name))]
        if not models:
            continue
        saved = await store.collections.save(
            collection.slug, collection.name, collection.description
        )
        for model in models:
            await store.collections.add(saved, model)
