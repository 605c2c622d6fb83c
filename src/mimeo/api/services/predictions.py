"""Create a prediction: check the account's credit, validate the input, queue it, optionally wait.

The INSERT is the enqueue: one transaction, and the prediction is durable before the client
hears its id. Waiting subscribes before inserting, so a fast model cannot finish unseen. Every
way of creating a prediction (the three create routes, and the web UI to come) goes through
``PredictionCreation``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from fastapi import Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mimeo.api.context import AppContext
from mimeo.api.http.deps import AccountDep, ContextDep
from mimeo.api.http.links import Links, LinksDep
from mimeo.api.http.prediction_headers import CancelAfterDep, WaitDep
from mimeo.api.http.serializers import prediction_json
from mimeo.api.services.credit import require_credit
from mimeo.api.services.file_inputs import resolve_file_inputs
from mimeo.core.errors import Conflict, InvalidInput, NotFound
from mimeo.core.ids import new_prediction_id
from mimeo.core.records import Account, Model, NewPrediction, Prediction, Version
from mimeo.core.validation import validate_input
from mimeo.core.version_schema import check_version_schema
from mimeo.core.webhook_policy import WebhookEvent
from mimeo.events import PredictionEvent
from mimeo.webhooks import check_webhook_url

log = structlog.get_logger()
RECHECK_SECONDS = 1.0


class PredictionRequest(BaseModel):
    """``stream`` is accepted and ignored: every prediction can be streamed."""

    input: dict[str, Any]
    webhook: str | None = None
    webhook_events_filter: list[WebhookEvent] | None = None
    stream: bool | None = None


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


@dataclass(frozen=True)
class PredictionCreation:
    """Who creates, how the answer's URLs are made, and what the request's headers asked."""

    context: AppContext
    account: Account
    links: Links
    wait: float | None
    cancel_after: float | None

    async def create(
        self,
        model: Model,
        version: Version,
        body: PredictionRequest,
        *,
        hardware: str | None = None,
        deployment: str | None = None,
    ) -> Prediction:
        """``hardware`` and ``deployment`` say where a deployment's prediction may run (else
        the model's hardware). A spent account is refused before anything else is done."""
        context = self.context
        await require_credit(context, self.account)
        schema = usable_schema(version)
        valid = validate_input(schema, body.input)
        if body.webhook is not None:
            await check_webhook_url(context.url_policy, body.webhook)
        clean_input = await resolve_file_inputs(context, self.account, schema, valid, self.links)
        new = NewPrediction(
            id=new_prediction_id(),
            account_id=self.account.id,
            model=model.full_name,
            version=version.id,
            input=clean_input,
            hardware=hardware or model.hardware,
            deployment=deployment,
            webhook=body.webhook,
            webhook_events_filter=(
                None
                if body.webhook_events_filter is None
                else [str(event) for event in body.webhook_events_filter]
            ),
            cancel_after_seconds=self.cancel_after,
        )
        if not self.wait:
            return await self._enqueue(new)
        subscription = context.bus.subscribe(new.id)
        try:
            await self._enqueue(new)
            return await self._until_terminal(new.id, subscription, self.wait)
        finally:
            context.bus.unsubscribe(new.id, subscription)

    async def _until_terminal(
        self, prediction_id: str, subscription: asyncio.Queue[PredictionEvent], wait: float
    ) -> Prediction:
        """The bus tells of the end at once; the row is read again every ``RECHECK_SECONDS``
        as well, for an end the bus did not hear (another API node's, a lost notification)."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + wait
        while True:
            remaining = give_up - loop.time()
            event = await self.context.bus.wait_terminal(
                subscription, max(0.0, min(remaining, RECHECK_SECONDS))
            )
            if event is not None:
                return event.prediction
            current = await self.context.store.predictions.get(prediction_id)
            if current.terminal or loop.time() >= give_up:
                return current

    async def _enqueue(self, new: NewPrediction) -> Prediction:
        prediction = await self.context.queue.enqueue(new)
        log.info("prediction.enqueued", prediction_id=new.id, model=new.model)
        return prediction

    def created(self, prediction: Prediction) -> JSONResponse:
        """201 with the prediction, saying whether ``Prefer: wait`` was applied."""
        headers = {"Preference-Applied": f"wait={int(self.wait)}"} if self.wait else {}
        return JSONResponse(prediction_json(prediction, self.links), 201, headers)


async def prediction_creation(
    context: ContextDep,
    account: AccountDep,
    links: LinksDep,
    wait: WaitDep,
    cancel_after: CancelAfterDep,
) -> PredictionCreation:
    return PredictionCreation(context, account, links, wait, cancel_after)


CreationDep = Annotated[PredictionCreation, Depends(prediction_creation)]
