"""What a model's page shows besides its versions: its README and its example predictions.

Replicate's API only reads examples (``GET .../examples``); its authors mark them on the
website. mimeo has no website step for that, so marking is an extension of the same resource:
``POST .../examples`` with ``{"prediction": id}`` and ``DELETE .../examples/{prediction_id}``,
by the model's owner, for a succeeded prediction of that model that the owner made.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from mimeo.api.http.deps import AccountDep, ContextDep, CursorDep, OwnModelDep, VisibleModelDep
from mimeo.api.http.links import LinksDep
from mimeo.api.http.serializers import page_json, prediction_json
from mimeo.core.errors import FieldError, InvalidInput, NotFound
from mimeo.core.status import PredictionStatus

router = APIRouter(prefix="/v1/models", tags=["models"])
MARKDOWN = "text/plain; charset=utf-8"
"""Replicate answers a README as ``text/plain`` holding Markdown."""


class NewExample(BaseModel):
    prediction: str


@router.get("/{owner}/{name}/readme", response_class=Response)
async def readme(model: VisibleModelDep, context: ContextDep) -> Response:
    text = await context.store.catalog.readme(model)
    if not text:
        raise NotFound(f"Model {model.full_name} has no README")
    return Response(text, media_type=MARKDOWN, headers={"X-Content-Type-Options": "nosniff"})


@router.get("/{owner}/{name}/examples")
async def list_examples(
    model: VisibleModelDep, context: ContextDep, cursor: CursorDep, links: LinksDep
) -> dict[str, Any]:
    page = await context.store.examples.page(model, cursor)
    url = links.examples(model.owner, model.name)
    return page_json(page, url, [prediction_json(p, links) for p in page.results])


@router.post("/{owner}/{name}/examples", status_code=201)
async def add_example(
    body: NewExample, model: OwnModelDep, context: ContextDep, account: AccountDep, links: LinksDep
) -> dict[str, Any]:
    prediction = await context.store.predictions.get(body.prediction, account.id)
    errors = []
    if prediction.model != model.full_name:
        errors.append(f"is a prediction of {prediction.model}, not of {model.full_name}")
    if prediction.status != PredictionStatus.SUCCEEDED:
        errors.append(f"only a succeeded prediction can be an example, not a {prediction.status}")
    if errors:
        raise InvalidInput([FieldError("prediction", message) for message in errors])
    await context.store.examples.add(model, prediction)
    return prediction_json(prediction, links)


@router.delete("/{owner}/{name}/examples/{prediction_id}", status_code=204)
async def remove_example(prediction_id: str, model: OwnModelDep, context: ContextDep) -> Response:
    await context.store.examples.remove(model, prediction_id)
    return Response(status_code=204)
