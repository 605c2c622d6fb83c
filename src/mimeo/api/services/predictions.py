"""Create a prediction: check the account's credit, validate the input, queue it, optionally wait.

The INSERT is the enqueue: one transaction, and the prediction is durable before the client
hears its id. A ``cog.Secret`` input is stored redacted, its value sealed beside it (see
``core.secret_inputs``), so no answer built from the row can show it. Waiting subscribes before
inserting, so a fast model cannot finish unseen. Every way of creating a prediction (the three
create routes, and the web UI to come) goes through ``PredictionCreation``, and so through the
token's rate limit (``api.http.rate_limit``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mimeo.api.context import AppContext
from mimeo.api.http.deps import AccountDep, creation_pace
from mimeo.api.http.links import Links, links_for
from mimeo.api.http.prediction_headers import wait_seconds
from mimeo.api.http.serializers import prediction_json
from mimeo.api.services.credit import require_credit
from mimeo.api.services.file_inputs import resolve_file_inputs
from mimeo.api.services.hand_offs import hand_off_or_enqueue
from mimeo.core.durations import parse_cancel_after
from mimeo.core.errors import Conflict, InvalidInput, InvalidRequest, NotFound
from mimeo.core.ids import new_prediction_id
from mimeo.core.records import (
    PREDICTION,
    TRAINING,
    Account,
    Model,
    NewPrediction,
    Prediction,
    Version,
)
from mimeo.core.secret_inputs import secret_fields, split_secrets
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


def training_schema(version_id: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a training's input is checked against: ``TrainingInput`` in the place of
    ``Input``, so validation and file inputs work as for a prediction."""
    components = schema.get("components", {}).get("schemas", {})
    if "TrainingInput" not in components:
        raise InvalidRequest(
            f"Version {version_id} cannot be trained: its cog.yaml has no 'train:' entry"
        )
    schemas = {**components, "Input": components["TrainingInput"]}
    return {**schema, "components": {**schema["components"], "schemas": schemas}}


@dataclass(frozen=True)
class PredictionCreation:
    """Who creates, how the answer's URLs are made, and what the request's headers asked."""

    context: AppContext
    account: Account
    links: Links
    wait: float | None
    cancel_after: float | None
    held_seconds: float = 0.0
    """How long the request was held for its token's rate limit: taken from ``wait``."""

    async def create(
        self,
        model: Model,
        version: Version,
        body: PredictionRequest,
        *,
        hardware: str | None = None,
        deployment: str | None = None,
        destination: str | None = None,
    ) -> Prediction:
        """``hardware`` and ``deployment`` say where a deployment's prediction may run (else
        the model's hardware). With a ``destination`` it is a training: the version's
        ``train:`` function runs on ``TrainingInput``, and its weights become a new version
        of that model. A spent account is refused before anything else is done."""
        context = self.context
        await require_credit(context, self.account)
        schema = usable_schema(version)
        if destination is not None:
            schema = training_schema(version.id, schema)
        valid = validate_input(schema, body.input)
        if body.webhook is not None:
            await check_webhook_url(context.url_policy, body.webhook)
        clean_input = await resolve_file_inputs(context, self.account, schema, valid, self.links)
        kept, secrets = split_secrets(secret_fields(schema), clean_input)
        new = NewPrediction(
            id=new_prediction_id(),
            account_id=self.account.id,
            model=model.full_name,
            version=version.id,
            input=kept,
            sealed_secrets=await context.store.sealer.seal(secrets),
            hardware=hardware or model.hardware,
            deployment=deployment,
            webhook=body.webhook,
            webhook_events_filter=(
                None
                if body.webhook_events_filter is None
                else [str(event) for event in body.webhook_events_filter]
            ),
            cancel_after_seconds=self.cancel_after,
            kind=PREDICTION if destination is None else TRAINING,
            destination=destination,
        )
        if not self.wait:
            return await self._enqueue(new)
        subscription = context.bus.subscribe(new.id)
        try:
            await self._enqueue(new)
            wait = max(0.0, self.wait - self.held_seconds)
            return await self._until_terminal(new.id, subscription, wait)
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
        context = self.context
        prediction = await hand_off_or_enqueue(
            context.hand_offs, context.queue, context.bus.work_generation, new
        )
        log.info("prediction.enqueued", prediction_id=new.id, model=new.model)
        return prediction

    def created(self, prediction: Prediction) -> JSONResponse:
        """201 with the prediction, saying whether ``Prefer: wait`` was applied."""
        headers = {"Preference-Applied": f"wait={int(self.wait)}"} if self.wait else {}
        return JSONResponse(prediction_json(prediction, self.links), 201, headers)


async def prediction_creation(
    request: Request,
    account: AccountDep,
    prefer: Annotated[str | None, Header()] = None,
    cancel_after: Annotated[str | None, Header(alias="Cancel-After")] = None,
) -> PredictionCreation:
    """The one dependency of every create route beside its model: FastAPI solves each
    dependency of a request anew, which cost a create request more than its INSERT when this
    was six (headers, links and the rate limit, each its own)."""
    context: AppContext = request.app.state.context
    wait = wait_seconds(prefer, context.settings.max_wait_seconds)
    held = await creation_pace(request, context, wait)
    return PredictionCreation(
        context,
        account,
        links_for(request),
        wait,
        None if cancel_after is None else parse_cancel_after(cancel_after),
        held,
    )


CreationDep = Annotated[PredictionCreation, Depends(prediction_creation)]
