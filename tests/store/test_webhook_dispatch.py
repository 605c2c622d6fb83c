"""The dispatcher over the real databases, with a receiver made of ``httpx.MockTransport``:
signed deliveries, retries under the same id, strict order per prediction, giving up, claims
that never overlap, and the URL policy applied again at delivery."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest
import replicate
from replicate.webhook import WebhookSigningSecret

from mimeo.core.records import Account, Model, Prediction
from mimeo.core.status import PredictionStatus
from mimeo.core.url_policy import UrlPolicy
from mimeo.core.webhook_policy import RetryPolicy
from mimeo.queue import PredictionQueue
from mimeo.store.store import Store
from mimeo.webhooks import AccountSecrets, Dispatcher, Outbox, Sender, targets
from mimeo.webhooks.deliveries import DeliveryRepository
from tests.store.conftest import FakeClock
from tests.store.webhooks import HOOK, create, outbox_rows, render

WORKER = "wkr_test"
INITIAL_BACKOFF_SECONDS = 1.0
WINDOW_SECONDS = 60.0


@dataclass
class Receiver:
    """Answers each request with the next of ``answers`` (then 200); records every request."""

    answers: list[int | Exception] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)

    @property
    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.requests]


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


def make_dispatcher(
    store: Store, clock: FakeClock, receiver: Receiver, *, allow_private: bool = True
) -> tuple[Dispatcher, Sender]:
    sender = Sender(UrlPolicy(allow_private), transport=httpx.MockTransport(receiver))
    retry = RetryPolicy(initial_seconds=INITIAL_BACKOFF_SECONDS, window_seconds=WINDOW_SECONDS)
    return Dispatcher(store.engine, retry, sender, clock), sender


@pytest.fixture
async def dispatcher(
    store: Store, clock: FakeClock, receiver: Receiver, queue: PredictionQueue
) -> AsyncIterator[Dispatcher]:
    queue.record_with(Outbox(render, clock).record)
    made, sender = make_dispatcher(store, clock, receiver)
    yield made
    await sender.close()


Make = Callable[..., Awaitable[Prediction]]


@pytest.fixture
def make(queue: PredictionQueue, account: Account, model: Model, clock: FakeClock) -> Make:
    """A prediction of alice's with the test webhook, made through the queue."""

    async def prediction(**values: object) -> Prediction:
        return await create(queue, account, model, clock, **values)

    return prediction


async def finished(queue: PredictionQueue, prediction: Prediction) -> None:
    assert await queue.claim(WORKER) is not None
    await queue.finish(prediction.id, WORKER, PredictionStatus.SUCCEEDED, output="done")


async def test_a_delivery_is_signed_for_the_account_and_verifies(
    dispatcher: Dispatcher,
    receiver: Receiver,
    store: Store,
    account: Account,
    make: Make,
) -> None:
    prediction = await make()

    assert await dispatcher.dispatch_due() == 1

    [request] = receiver.requests
    assert str(request.url) == HOOK
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content)["id"] == prediction.id
    secret = await AccountSecrets(store.engine).get_or_create(account.id)
    replicate.webhooks.validate(
        headers=dict(request.headers),
        body=request.content.decode(),
        secret=WebhookSigningSecret(key=secret),
    )
    [row] = await outbox_rows(store, prediction.id)
    assert row.delivered_at is not None
    assert row.attempts == 1


async def test_a_failed_event_is_retried_after_the_backoff_under_the_same_id(
    dispatcher: Dispatcher,
    receiver: Receiver,
    store: Store,
    clock: FakeClock,
    make: Make,
) -> None:
    receiver.answers = [500, httpx.ConnectError("refused")]
    prediction = await make()

    assert await dispatcher.dispatch_due() == 1
    assert await dispatcher.dispatch_due() == 0
    clock.advance(INITIAL_BACKOFF_SECONDS)
    assert await dispatcher.dispatch_due() == 1
    clock.advance(2 * INITIAL_BACKOFF_SECONDS - 0.001)
    assert await dispatcher.dispatch_due() == 0
    clock.advance(0.001)
    assert await dispatcher.dispatch_due() == 1

    [row] = await outbox_rows(store, prediction.id)
    assert receiver.ids == [row.id] * 3
    assert len({r.content for r in receiver.requests}) == 1
    assert row.attempts == 3
    assert row.delivered_at is not None


async def test_a_later_event_waits_for_an_earlier_undelivered_one(
    dispatcher: Dispatcher,
    receiver: Receiver,
    store: Store,
    clock: FakeClock,
    queue: PredictionQueue,
    make: Make,
) -> None:
    receiver.answers = [503, 503]
    prediction = await make(webhook_events_filter=["start", "completed"])
    await finished(queue, prediction)

    for _ in range(4):
        await dispatcher.dispatch_due()
        clock.advance(10)

    start, completed = await outbox_rows(store, prediction.id)
    assert receiver.ids == [start.id, start.id, start.id, completed.id]


async def test_events_of_different_predictions_do_not_wait_for_each_other(
    dispatcher: Dispatcher,
    receiver: Receiver,
    make: Make,
) -> None:
    receiver.answers = [500]
    await make()
    await make()

    assert await dispatcher.dispatch_due() == 2
    assert len(set(receiver.ids)) == 2


async def test_an_event_is_given_up_after_the_window_and_the_next_one_goes(
    dispatcher: Dispatcher,
    receiver: Receiver,
    store: Store,
    clock: FakeClock,
    queue: PredictionQueue,
    make: Make,
) -> None:
    receiver.answers = [500] * 1000
    prediction = await make(webhook_events_filter=["start", "completed"])
    await finished(queue, prediction)
    start_id = (await outbox_rows(store, prediction.id))[0].id

    while receiver.ids.count(start_id) == len(receiver.ids):
        await dispatcher.dispatch_due()
        clock.advance(INITIAL_BACKOFF_SECONDS)

    start, completed = await outbox_rows(store, prediction.id)
    assert start.failed_at is not None
    assert start.delivered_at is None
    assert start.last_error == "HTTP 500"
    assert (start.failed_at - start.due_at).total_seconds() >= WINDOW_SECONDS
    assert receiver.ids[-1] == completed.id


async def test_claims_never_overlap(
    store: Store,
    clock: FakeClock,
    dispatcher: Dispatcher,
    make: Make,
) -> None:
    for _ in range(12):
        await make()
    first, second = DeliveryRepository(store.engine), DeliveryRepository(store.engine)

    a, b = await asyncio.gather(first.claim(clock(), 30, 8), second.claim(clock(), 30, 8))
    c = await first.claim(clock(), 30, 8)

    ids = [d.id for d in a + b + c]
    assert len(ids) == len(set(ids)) == 12


async def test_a_claim_expires_and_a_release_frees_it_at_once(
    store: Store,
    clock: FakeClock,
    dispatcher: Dispatcher,
    make: Make,
) -> None:
    await make()
    repository = DeliveryRepository(store.engine)
    [claimed] = await repository.claim(clock(), 30, 10)
    assert await repository.claim(clock(), 30, 10) == []
    clock.advance(31)
    [again] = await repository.claim(clock(), 30, 10)

    await repository.release([again.id])

    [third] = await repository.claim(clock(), 30, 10)
    assert claimed.id == again.id == third.id
    assert third.attempts == 3


async def test_a_private_target_is_refused_at_delivery_and_given_up(
    store: Store,
    clock: FakeClock,
    receiver: Receiver,
    queue: PredictionQueue,
    make: Make,
) -> None:
    queue.record_with(Outbox(render, clock).record)
    strict, sender = make_dispatcher(store, clock, receiver, allow_private=False)
    prediction = await make(webhook="http://127.0.0.1:9/hook")

    assert await strict.dispatch_due() == 1
    await sender.close()

    [row] = await outbox_rows(store, prediction.id)
    assert receiver.requests == []
    assert row.failed_at is not None
    assert "private or loopback" in row.last_error


async def test_a_strict_delivery_connects_to_the_address_it_checked(
    store: Store,
    clock: FakeClock,
    receiver: Receiver,
    queue: PredictionQueue,
    make: Make,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS is the one thing faked here: the test host has no resolver for public names."""

    async def public(host: str, port: int) -> list[str]:
        assert (host, port) == ("hooks.example.com", 443)
        return ["93.184.215.14"]

    monkeypatch.setattr(targets, "resolve", public)
    queue.record_with(Outbox(render, clock).record)
    strict, sender = make_dispatcher(store, clock, receiver, allow_private=False)
    await make()

    assert await strict.dispatch_due() == 1
    await sender.close()

    [request] = receiver.requests
    assert request.url.host == "93.184.215.14"
    assert request.url.path == "/mimeo"
    assert request.headers["host"] == "hooks.example.com"
    assert request.extensions["sni_hostname"] == "hooks.example.com"


async def test_stopping_mid_attempt_releases_the_event_for_the_next_server(
    store: Store, clock: FakeClock, queue: PredictionQueue, make: Make
) -> None:
    arrived = asyncio.Event()

    async def hanging(request: httpx.Request) -> httpx.Response:
        arrived.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    queue.record_with(Outbox(render, clock).record)
    sender = Sender(UrlPolicy(True), transport=httpx.MockTransport(hanging))
    running = Dispatcher(store.engine, RetryPolicy(), sender, clock)
    prediction = await make()
    task = asyncio.create_task(running.run())
    await asyncio.wait_for(arrived.wait(), 10)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    [row] = await outbox_rows(store, prediction.id)
    assert row.locked_until is None
    assert row.attempts == 1
    assert [d.id for d in await DeliveryRepository(store.engine).claim(clock(), 30, 10)] == [row.id]
