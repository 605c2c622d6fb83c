"""Create a prediction: resolve the version, validate its input, queue it, optionally wait.

The INSERT is the enqueue: one transaction, and the prediction is durable before the client
hears its id. Waiting subscribes before inserting, so a fast model cannot finish unseen.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import structlog
from fastapi import Depends, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mimeo.api.context import AppContext
from mimeo.api.file_inputs import resolve_file_inputs
from mimeo.api.links import Links
from mimeo.api.serializers import prediction_json
from mimeo.core.durations import parse_cancel_after
from mimeo.core.errors import Conflict, InvalidInput, NotFound
from mimeo.core.ids import new_prediction_id
from mimeo.core.status import PredictionStatus
from mimeo.core.validation import validate_input
from mimeo.core.version_schema import check_version_schema
from mimeo.store.records import Account, Model, Prediction, Version
from mimeo.webhooks import check_webhook_url

log = structlog.get_logger()

WebhookEvent = Literal["start", "output", "logs", "completed"]


class PredictionRequest(BaseModel):
    """``stream`` is accepted and ignored: every prediction can be streamed."""

    input: dict[str, Any]
    webhook: str | None = None
    webhook_events_filter: list[WebhookEvent] | None = None
    stream: bool | None = None


def cancel_after_header(
    cancel_after: Annotated[str | None, Header(alias="Cancel-After")] = None,
) -> float | None:
    return None if cancel_after is None else parse_cancel_after(cancel_after)


CancelAfterDep = Annotated[float | None, Depends(cancel_after_header)]
"""Seconds from creation after which the prediction is canceled, from ``Cancel-After``."""


def latest_version(model: Model) -> Version:
    """What ``owner/name`` without a version runs."""
    if model.latest_version is None:
        raise NotFound(f"Model {model.full_name} has no versions yet: push one first")
    return model.latest_version


def usable_schema(version: Version) -> dict[str, Any]:
    """The version's schema, or a 409 for one kept before pushes were checked that input
    validation could not read."""
    try:
        return check_version_schema(version.openapi_schema)
    except InvalidInput as error:
        raise Conflict(
            f"Version {version.id} cannot run: its schema is unusable ({error.detail}); "
            "push the model again"
        ) from error


def created_response(links: Links, prediction: Prediction, wait: float | None) -> JSONResponse:
    """201 with the prediction, saying whether ``Prefer: wait`` was applied."""
    headers = {"Preference-Applied": f"wait={int(wait)}"} if wait else {}
    return JSONResponse(prediction_json(prediction, links), 201, headers)


async def create_prediction(
    context: AppContext,
    account: Account,
    model: Model,
    version: Version,
    body: PredictionRequest,
    wait: float | None,
    links: Links,
    *,
    cancel_after: float | None = None,
    hardware: str | None = None,
    deployment: str | None = None,
) -> Prediction:
    """``hardware`` and ``deployment`` say where a deployment's prediction may run (else the
    model's hardware); ``cancel_after`` is the ``Cancel-After`` header in seconds."""
    schema = usable_schema(version)
    valid = validate_input(schema, body.input)
    if body.webhook is not None:
        await check_webhook_url(context.url_policy, body.webhook)
    clean_input = await resolve_file_inputs(context, account, schema, valid, links)
    prediction_id = new_prediction_id()
    created_at = datetime.now(UTC)
    deadline = None if cancel_after is None else created_at + timedelta(seconds=cancel_after)
    subscription = context.bus.subscribe(prediction_id) if wait else None
    try:
        prediction = await context.queue.enqueue(
            id=prediction_id,
            account_id=account.id,
            model=model.full_name,
            version=version.id,
            input=clean_input,
            status=PredictionStatus.STARTING,
            source="api",
            logs="",
            metrics={},
            created_at=created_at,
            deadline_at=deadline,
            webhook=body.webhook,
            webhook_events_filter=body.webhook_events_filter,
            hardware=hardware or model.hardware,
            deployment=deployment,
        )
        log.info("prediction.enqueued", prediction_id=prediction_id, model=model.full_name)
        await context.bus.work_available()
        if subscription is None or wait is None:
            return prediction
        event = await context.bus.wait_terminal(subscription, wait)
        if event is not None and isinstance(event.snapshot, Prediction):
            return event.snapshot
        return await context.store.predictions.get(prediction_id)
    finally:
        if subscription is not None:
            context.bus.unsubscribe(prediction_id, subscription)
