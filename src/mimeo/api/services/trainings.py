"""What is particular to a training: its destination model, and the version its weights make.

A training is a prediction row of kind ``training`` (queue, leases, sweeps, streams and webhooks
are the prediction's); the version's ``train:`` function runs on an instance in coglet's train
mode. Two moments differ from a prediction:

- creating it: the destination (``owner/name``) must be a model the caller may change (its own
  or an organization's it belongs to). Replicate requires it to exist already; mimeo creates it
  (private) when it does not, so one call is enough to fine-tune, and the name is taken before
  the training runs rather than found taken after it;
- finishing it: a succeeded training's ``weights`` file becomes a new version of the
  destination, made from the trained version's code (the same archive) with the weights as
  ``COG_WEIGHTS``, before the training is recorded as succeeded, so whoever sees it succeeded
  can run the new version at once. The new version's id is derived from the training's id, so a
  training retried after a crash of the API between the two steps finds its version made.

The weights stay where the worker stored the training's output (``outputs/<training id>/``) and
the new version's ``build`` names them: whatever expires outputs one day must keep the blobs a
version names.
"""

from __future__ import annotations

import hashlib
from typing import Any

import structlog

from mimeo.api.context import AppContext
from mimeo.core.accounts import may_change
from mimeo.core.blob_refs import blob_key
from mimeo.core.errors import NotFound
from mimeo.core.identifiers import ModelRef
from mimeo.core.protocol import Outcome
from mimeo.core.records import Account, Model, Prediction, Version

log = structlog.get_logger()
WEIGHTS = "weights"
"""The key of a version's ``build`` that holds its trained weights (a blob reference)."""


async def destination_model(context: AppContext, account: Account, destination: str) -> Model:
    """A model ``account`` may change (its own, or an organization's it belongs to), created
    (private) when it does not exist yet."""
    ref = ModelRef.parse(destination)
    if ref.version is not None:
        raise NotFound(f"Destination {destination!r} must be a model (owner/name), not a version")
    if not may_change(ref.owner, account):
        raise NotFound(f"Destination model {ref.full_name} not found among your models")
    catalog = context.store.catalog
    model = await catalog.find_model(ref.owner, ref.name)
    if model is not None:
        return model
    log.info("training.destination_created", model=ref.full_name)
    return await catalog.create_model(account.id, ref.owner, ref.name, visibility="private")


def trained_version_id(training_id: str) -> str:
    """The same for every attempt of one training: making the version is idempotent."""
    return hashlib.sha256(f"mimeo-training:{training_id}".encode()).hexdigest()


async def make_trained_version(
    context: AppContext, training_id: str, worker_id: str, outcome: Outcome
) -> Outcome:
    """The outcome to record for a succeeded training: ``{version, weights}`` once the
    destination's new version exists, or a failure saying why it could not be made."""
    training = await context.store.predictions.get(training_id)
    if not training.training or training.lease_owner != worker_id:
        return outcome  # not a training, or no longer this worker's: finish() will say so
    weights = _weights_ref(outcome.output)
    if weights is None:
        return Outcome(
            status="failed",
            error="train() returned no weights file: return an object with a 'weights' Path",
            metrics=outcome.metrics,
        )
    try:
        version = await _add_version(context, training, weights)
    except NotFound as error:  # the destination (or the trained version) was deleted meanwhile
        return Outcome(
            status="failed", error=f"No version was made: {error.detail}", metrics=outcome.metrics
        )
    return Outcome(
        status="succeeded",
        output={"version": f"{training.destination}:{version.id}", WEIGHTS: weights},
        metrics=outcome.metrics,
    )


def _weights_ref(output: Any) -> str | None:
    """The stored weights file: ``TrainingOutput.weights``, or a bare ``Path`` returned."""
    value = output.get(WEIGHTS) if isinstance(output, dict) else output
    if isinstance(value, str) and blob_key(value) is not None:
        return value
    return None


async def _add_version(context: AppContext, training: Prediction, weights: str) -> Version:
    catalog = context.store.catalog
    assert training.destination is not None
    _source_model, trained = await catalog.find_version(training.version, viewer=None)
    destination = ModelRef.parse(training.destination)
    model = await catalog.get_model(destination.owner, destination.name)
    version = await catalog.add_version(
        model,
        trained_version_id(training.id),
        cog_version=trained.cog_version,
        openapi_schema=trained.openapi_schema,
        build={
            **trained.build,
            WEIGHTS: weights,
            "trained_from": f"{training.model}:{training.version}",
            "training": training.id,
        },
        archive_key=trained.archive_key,
    )
    log.info("training.version_created", training_id=training.id, version=version.id)
    return version
