"""Dependencies as ``Annotated`` aliases: the caller's account (an administrator's), the app
context, a prediction, a deployment, a model the caller may see or change, the pace of creating
predictions."""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated

from fastapi import Depends, Request

from mimeo.api.context import AppContext
from mimeo.core.accounts import may_change, may_see
from mimeo.core.errors import NotFound, Unauthenticated
from mimeo.core.ids import token_digest
from mimeo.core.pagination import Cursor
from mimeo.core.records import PREDICTION, TRAINING, Account, Deployment, Model, Prediction


async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


def bearer_token(request: Request) -> str | None:
    """Both ``Bearer <token>`` and Replicate's older ``Token <token>`` schemes."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and token.strip():
        return token.strip()
    return None


async def account_for_token(context: AppContext, token: str) -> Account | None:
    """The one place a token becomes an account: API requests and browser sessions alike."""
    cache = context.token_cache
    account = None if cache is None else cache.get(token)
    if account is None:
        generation = context.tokens.generation
        account = await context.store.accounts.by_token(token)
        if account is not None and cache is not None:
            cache.put(token, account, generation)
    return account


async def get_account(request: Request, context: ContextDep) -> Account:
    token = bearer_token(request)
    if token is None:
        raise Unauthenticated("You did not pass an authentication token")
    account = await account_for_token(context, token)
    if account is None:
        raise Unauthenticated("You did not pass a valid authentication token")
    return account


AccountDep = Annotated[Account, Depends(get_account)]


async def creation_pace(request: Request, context: AppContext, wait: float | None) -> float:
    """Hold a create request over its token's rate limit until its turn, and say how long it
    was held (it comes out of ``Prefer: wait``, whose client gives up at the wait it asked);
    429 when the turn is further off than the request can wait. The caller is authenticated
    first: an unknown token is a 401, never a turn."""
    patience = context.settings.rate_limit_max_delay_seconds
    if wait is not None:
        patience = min(patience, wait)
    key = token_digest(bearer_token(request) or "")
    held = context.creation_limits.admit(key, patience)
    if held > 0:
        await asyncio.sleep(held)
    return held


async def get_optional_account(request: Request, context: ContextDep) -> Account | None:
    """For routes open to everyone (Replicate's search): no token is nobody, a bad one 401."""
    if request.headers.get("authorization") is None:
        return None
    return await get_account(request, context)


OptionalAccountDep = Annotated[Account | None, Depends(get_optional_account)]


async def get_admin(account: AccountDep) -> Account:
    """Another account's token is not a credential here: 401, as a wrong token."""
    if not account.admin:
        raise Unauthenticated("This route is for administrators: pass an administrator's token")
    return account


AdminDep = Annotated[Account, Depends(get_admin)]


async def get_prediction(
    prediction_id: str, account: AccountDep, context: ContextDep
) -> Prediction:
    """Another account's prediction answers 404, never 403: that would confirm the id exists."""
    return await context.store.predictions.get(prediction_id, account.id, PREDICTION)


PredictionDep = Annotated[Prediction, Depends(get_prediction)]


async def get_training(training_id: str, account: AccountDep, context: ContextDep) -> Prediction:
    """A training is a prediction row of kind ``training``, scoped to its account likewise."""
    return await context.store.predictions.get(training_id, account.id, TRAINING)


TrainingDep = Annotated[Prediction, Depends(get_training)]


async def get_deployment(
    owner: str, name: str, account: AccountDep, context: ContextDep
) -> Deployment:
    """A deployment is seen by its owner: the account, or the organization's members. Anyone
    else's answers 404, as a prediction does."""
    if not may_change(owner, account):
        raise NotFound(f"Deployment {owner}/{name} not found")
    return await context.store.deployments.get(owner, name)


DeploymentDep = Annotated[Deployment, Depends(get_deployment)]


async def get_visible_model(
    owner: str, name: str, account: AccountDep, context: ContextDep
) -> Model:
    """A private model that is not the caller's answers 404, as a missing one does."""
    model = await context.store.catalog.get_model(owner, name)
    if not may_see(model, account):
        raise NotFound(f"Model {owner}/{name} not found")
    return model


VisibleModelDep = Annotated[Model, Depends(get_visible_model)]


async def get_runnable_model(
    owner: str, name: str, account: AccountDep, context: ContextDep
) -> Model:
    """``get_visible_model`` for the routes that run it: the model may be one read up to a
    second ago (``CatalogRepository.model_to_run``); who may see it is decided now."""
    model = await context.store.catalog.model_to_run(owner, name)
    if not may_see(model, account):
        raise NotFound(f"Model {owner}/{name} not found")
    return model


RunnableModelDep = Annotated[Model, Depends(get_runnable_model)]


async def get_own_model(owner: str, name: str, account: AccountDep, context: ContextDep) -> Model:
    """A model the caller may change; any other, seen or not, answers the same 404."""
    if not may_change(owner, account):
        raise NotFound(f"Model {owner}/{name} not found, or not yours to change")
    return await context.store.catalog.get_model(owner, name)


OwnModelDep = Annotated[Model, Depends(get_own_model)]


async def page_cursor(cursor: str | None = None) -> Cursor | None:
    """The ``cursor`` query parameter of every list route, decoded (400 when garbled)."""
    return Cursor.decode(cursor) if cursor else None


CursorDep = Annotated[Cursor | None, Depends(page_cursor)]


def is_worker(request: Request, context: AppContext) -> bool:
    token = bearer_token(request) or ""
    return hmac.compare_digest(token.encode(), context.worker_token.encode())


async def require_worker(request: Request, context: ContextDep) -> None:
    if not is_worker(request, context):
        raise Unauthenticated("This route is for mimeo workers: pass the worker token")


WorkerDep = Depends(require_worker)


async def require_operator(request: Request, context: ContextDep) -> None:
    """The fleet's view: the worker token (the credential of those who run the fleet) or an
    administrator's token."""
    if not is_worker(request, context):
        try:
            await get_admin(await get_account(request, context))
        except Unauthenticated:
            raise Unauthenticated(
                "This route is for operators: pass the worker token or an administrator's token"
            ) from None


OperatorDep = Depends(require_operator)
