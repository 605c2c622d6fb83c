"""``urls.stream``: a prediction as Server-Sent Events, live or replayed.

The URL carries a signed token because Replicate's JavaScript and Go clients open it without
the Authorization header; the owner's token works too. Events are derived from the stored
prediction (see ``core.stream_events``); the bus only says when to look again, and a periodic
re-read covers a prediction whose worker reports to another API node.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from mimeo.api.http.deps import ContextDep, get_account
from mimeo.api.http.links import STREAM, Links, LinksDep
from mimeo.core.output_schema import is_iterator_output
from mimeo.core.records import Prediction
from mimeo.core.stream_events import PredictionState, StreamCursor, events_since
from mimeo.events import EventBus, PredictionEvent
from mimeo.store.store import Store

router = APIRouter(tags=["predictions"])
RECHECK_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0


@router.get("/v1/predictions/{prediction_id}/stream")
async def stream(
    prediction_id: str,
    request: Request,
    context: ContextDep,
    links: LinksDep,
    token: str | None = None,
    expires: int = 0,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    if token is not None and context.signer.verify_expiring(STREAM, prediction_id, expires, token):
        prediction = await context.store.predictions.get(prediction_id)
    else:
        account = await get_account(request, context)
        prediction = await context.store.predictions.get(prediction_id, account.id)
    _model, version = await context.store.catalog.find_version(prediction.version, viewer=None)
    frames = _frames(
        context.store,
        context.bus,
        prediction.id,
        is_iterator_output(version.openapi_schema) and not prediction.training,
        StreamCursor.parse(last_event_id),
        links,
    )
    return StreamingResponse(
        frames,
        # Set whole: Starlette would append "; charset=utf-8", and the Python client compares
        # the header with "text/event-stream" exactly.
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        },
    )


async def _frames(
    store: Store,
    bus: EventBus,
    prediction_id: str,
    iterator: bool,
    cursor: StreamCursor,
    links: Links,
) -> AsyncIterator[bytes]:
    updates = bus.subscribe(prediction_id)
    rendered = functools.partial(links.prediction_output, prediction_id)
    loop = asyncio.get_running_loop()
    try:
        # Read after subscribing: a change between the two is then seen, never missed.
        current = await store.predictions.get(prediction_id)
        quiet_since = loop.time()
        while True:
            state = PredictionState(
                current.status, current.output, current.logs, current.error, iterator
            )
            events, cursor, done = events_since(cursor, state, rendered)
            if events:
                yield b"".join(event.frame() for event in events)
                quiet_since = loop.time()
            if done:
                return
            snapshot = await _next_change(updates, RECHECK_SECONDS)
            if loop.time() - quiet_since > KEEPALIVE_SECONDS:
                yield b": keep-alive\n\n"
                quiet_since = loop.time()
            current = snapshot or await store.predictions.get(prediction_id)
    finally:
        bus.unsubscribe(prediction_id, updates)


async def _next_change(
    updates: asyncio.Queue[PredictionEvent], timeout: float
) -> Prediction | None:
    """The newest snapshot among the changes that arrived, or None to re-read the row."""
    try:
        first = await asyncio.wait_for(updates.get(), timeout)
    except TimeoutError:
        return None
    latest = [first]
    while not updates.empty():
        latest.append(updates.get_nowait())
    return latest[-1].prediction
