"""Running a model from its page's form.

A run goes through ``PredictionCreation`` like every create route, and each uploaded file
through the file service like ``POST /v1/files``; the form's values are checked by the same
validation, so a wrong one comes back as the same 422, which the page marks on its field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from mimeo.api.context import AppContext
from mimeo.api.http.deps import ContextDep
from mimeo.api.http.links import Links, LinksDep
from mimeo.api.http.serializers import prediction_json
from mimeo.api.services.file_uploads import store_upload
from mimeo.api.services.predictions import PredictionCreation, PredictionRequest, latest_version
from mimeo.api.web.catalog_views import ModelDep, model_form
from mimeo.api.web.pages import mark_web, wants_page
from mimeo.api.web.sessions import CheckedVisitorDep
from mimeo.core.errors import Conflict
from mimeo.core.media_types import check_media_type
from mimeo.core.records import Account
from mimeo.web.forms import Form, Widget
from mimeo.web.submission import form_input

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_web)])


@router.post("/{owner:model_owner}/{name}/run")
async def run(
    request: Request,
    context: ContextDep,
    model: ModelDep,
    visitor: CheckedVisitorDep,
    links: LinksDep,
) -> Response:
    """Answers JSON to the page's script, a redirect to the prediction's page without one."""
    version = latest_version(model)
    form, form_problem = model_form(model)
    if form_problem is not None:
        raise Conflict(form_problem)
    submitted = await request.form()
    try:
        given = form_input(form, _texts(submitted))
        given.update(await _uploads(context, visitor.account, links, form, submitted))
    finally:
        await submitted.close()
    creation = PredictionCreation(context, visitor.account, links, wait=None, cancel_after=None)
    prediction = await creation.create(model, version, PredictionRequest(input=given))
    if wants_page(request):
        return RedirectResponse(f"/predictions/{prediction.id}", status_code=303)
    return JSONResponse(
        {"page": f"/predictions/{prediction.id}", "prediction": prediction_json(prediction, links)},
        201,
    )


def _texts(submitted: FormData) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for key, value in submitted.multi_items():
        if isinstance(value, str):
            texts.setdefault(key, []).append(value)
    return texts


async def _uploads(
    context: AppContext, account: Account, links: Links, form: Form, submitted: FormData
) -> dict[str, Any]:
    """Each chosen file stored as a ``/v1/files`` file; the input gets its URL, which the
    prediction service turns into the same reference an API upload becomes."""
    urls: dict[str, Any] = {}
    for spec in form.fields:
        if spec.widget not in (Widget.FILE, Widget.FILES):
            continue
        chosen = [
            item
            for item in submitted.getlist(spec.name)
            if isinstance(item, UploadFile) and item.filename
        ]
        stored = []
        for upload in chosen:
            content_type = check_media_type(
                upload.content_type or "application/octet-stream", spec.name
            )
            data = await upload.read()
            file = await store_upload(
                context, account, data, upload.filename or "file", content_type, {}
            )
            stored.append(links.file(file.id))
        if stored:
            urls[spec.name] = stored if spec.widget is Widget.FILES else stored[0]
    return urls
