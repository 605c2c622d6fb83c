"""The catalogue's store: READMEs, collections, examples and search, on SQLite and PostgreSQL."""

from __future__ import annotations

from mimeo.core.records import Account, Model
from mimeo.core.search_terms import search_terms
from mimeo.core.status import PredictionStatus
from mimeo.queue import PredictionQueue
from mimeo.store.store import Store
from tests.store.conftest import Enqueue, FakeClock


async def test_a_readme_is_kept_apart_from_the_model_record(
    store: Store, account: Account, model: Model
) -> None:
    assert await store.catalog.readme(model) is None

    await store.catalog.set_readme(model, "# echo\n\nSays it back.")

    assert await store.catalog.readme(model) == "# echo\n\nSays it back."
    assert (await store.catalog.get_model("alice", "echo")).id == model.id
    assert [m.name for m in (await store.catalog.list_models(None, account)).results] == ["echo"]


async def test_saving_a_collection_twice_keeps_one_and_updates_it(
    store: Store, model: Model
) -> None:
    first = await store.collections.save("text", "Text", "old")
    again = await store.collections.save("text", "Words", "new", "## More")
    await store.collections.add(again, model)
    await store.collections.add(again, model)

    page = await store.collections.page(None)

    assert [c.slug for c in page.results] == ["text"]
    assert (again.id, again.name, again.description) == (first.id, "Words", "new")
    assert again.full_description == "## More"
    assert [m.full_name for m in await store.collections.models_in(again, None)] == ["alice/echo"]


async def test_a_collection_shows_private_models_to_their_owner_only(
    store: Store, account: Account, model: Model
) -> None:
    bob = await store.accounts.ensure("bob", "r8_bob-token")
    secret = await store.catalog.create_model(account.id, "alice", "secret", visibility="private")
    collection = await store.collections.save("mixed", "Mixed", "")
    for member in (model, secret):
        await store.collections.add(collection, member)

    seen_by_alice = await store.collections.models_in(collection, account)
    seen_by_bob = await store.collections.models_in(collection, bob)

    assert [m.name for m in seen_by_alice] == ["echo", "secret"]
    assert [m.name for m in seen_by_bob] == ["echo"]
    assert await store.collections.slugs_by_model([model.id]) == {model.id: ["mixed"]}


async def test_removing_and_deleting(store: Store, model: Model) -> None:
    collection = await store.collections.save("gone", "Gone", "")
    await store.collections.add(collection, model)

    await store.collections.remove(collection, model)
    await store.collections.delete("gone")

    assert (await store.collections.page(None)).results == []
    assert await store.catalog.get_model("alice", "echo") == model


async def test_examples_are_the_marked_predictions_newest_first(
    store: Store, queue: PredictionQueue, model: Model, enqueue: Enqueue, clock: FakeClock
) -> None:
    marked = []
    for text in ("one", "two"):
        clock.advance(1)
        queued = await enqueue(input={"text": text})
        claim = await queue.claim("wkr_a")
        assert claim is not None
        assert claim.prediction.id == queued.id
        done = await queue.finish(queued.id, "wkr_a", PredictionStatus.SUCCEEDED, output=text)
        await store.examples.add(model, done)
        await store.examples.add(model, done)
        marked.append(done)

    page = await store.examples.page(model, None)
    newest = await store.examples.newest(model)
    await store.examples.remove(model, marked[1].id)

    assert [p.id for p in page.results] == [marked[1].id, marked[0].id]
    assert newest is not None
    assert newest.output == "two"
    assert [p.id for p in (await store.examples.page(model, None)).results] == [marked[0].id]


async def test_search_finds_every_word_anywhere_and_ranks_names_first(
    store: Store, account: Account, model: Model
) -> None:
    bob = await store.accounts.ensure("bob", "r8_bob-token")
    await store.catalog.set_readme(model, "Repeats the text it is given.")
    repeat = await store.catalog.create_model(
        account.id, "alice", "repeat-text", description="An echo"
    )
    await store.catalog.create_model(
        account.id, "alice", "hidden-echo", visibility="private", description="echo text"
    )
    terms = search_terms("Echo, TEXT!")

    for_bob = await store.search.ranked_models(terms, bob, 20)
    for_alice = await store.search.models_page(terms, account, None)
    anonymous = await store.search.models_page(search_terms("hidden"), None, None)

    assert [(f.model.name, f.score) for f in for_bob] == [("repeat-text", 5.0), ("echo", 4.5)]
    assert for_bob[0].model.id == repeat.id
    assert {m.name for m in for_alice.results} == {"echo", "repeat-text", "hidden-echo"}
    assert anonymous.results == []


async def test_search_finds_collections_with_the_models_the_caller_sees(
    store: Store, account: Account, model: Model
) -> None:
    secret = await store.catalog.create_model(account.id, "alice", "secret", visibility="private")
    collection = await store.collections.save("text-to-speech", "Speech", "Say things aloud")
    for member in (model, secret):
        await store.collections.add(collection, member)

    found = await store.search.collections(search_terms("speech aloud"), None, 20)

    assert [(f.collection.slug, f.models) for f in found] == [("text-to-speech", ["alice/echo"])]
    assert await store.search.collections(search_terms("nothing"), None, 20) == []
