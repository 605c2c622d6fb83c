"""Records to the JSON shapes Replicate's clients parse (every field they require)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mimeo.api.http.links import Links
from mimeo.core.accounts import PUBLIC, AccountEntry, ApiToken
from mimeo.core.blob_refs import blob_key
from mimeo.core.money import CURRENCY, format_dollars, format_seconds
from mimeo.core.pagination import Cursor, Page
from mimeo.core.records import (
    Account,
    Collection,
    Deployment,
    Model,
    Prediction,
    StoredFile,
    Version,
)
from mimeo.core.usage import BillingSummary, UsageGrouping, UsageLine


def timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def version_json(version: Version) -> dict[str, Any]:
    """A schema that is not an object (kept before pushes were checked) shows as ``{}``: the
    clients parse it as one, and one bad version must not break every model listing."""
    schema = version.openapi_schema
    return {
        "id": version.id,
        "created_at": timestamp(version.created_at),
        "cog_version": version.cog_version,
        "openapi_schema": schema if isinstance(schema, dict) else {},
    }


def cover_url(model: Model, links: Links) -> str | None:
    """A stored cover: a public model's at its public address, a private one's as a signed URL
    (whoever is shown the model may show its cover without a token, nobody else)."""
    key = blob_key(model.cover_image_url)
    if key is None:
        return model.cover_image_url
    if model.visibility == PUBLIC:
        return links.model_cover(model.owner, model.name)
    return links.blob(key)


def model_json(model: Model, links: Links) -> dict[str, Any]:
    return {
        "url": links.model_page(model.owner, model.name),
        "owner": model.owner,
        "name": model.name,
        "description": model.description,
        "visibility": model.visibility,
        "github_url": model.github_url,
        "paper_url": model.paper_url,
        "license_url": model.license_url,
        "cover_image_url": cover_url(model, links),
        "default_example": None,
        "latest_version": version_json(model.latest_version) if model.latest_version else None,
        "run_count": model.run_count,
        "is_official": False,
    }


def prediction_json(prediction: Prediction, links: Links) -> dict[str, Any]:
    api = links.prediction(prediction.id)
    return {
        "id": prediction.id,
        "model": prediction.model,
        "version": prediction.version,
        "input": links.output(prediction.input),
        "output": links.prediction_output(prediction.id, prediction.output),
        "logs": prediction.logs,
        "error": prediction.error,
        "status": prediction.status.value,
        "created_at": timestamp(prediction.created_at),
        "started_at": timestamp(prediction.started_at),
        "completed_at": timestamp(prediction.completed_at),
        "urls": {
            "get": api,
            "cancel": f"{api}/cancel",
            "stream": links.stream(prediction.id),
            "web": links.prediction_page(prediction.id),
        },
        "metrics": prediction.metrics,
        "source": prediction.source,
        "data_removed": prediction.data_removed,
        "deployment": prediction.deployment,
    }


def training_json(training: Prediction, links: Links) -> dict[str, Any]:
    """Replicate's training object: a prediction's fields without ``deployment`` and
    ``data_removed``, plus ``destination``; ``output`` is ``{version, weights}`` once it
    succeeded, ``version`` naming the destination's new version as ``owner/name:id``."""
    api = links.training(training.id)
    return {
        "id": training.id,
        "model": training.model,
        "version": training.version,
        "destination": training.destination,
        "input": links.output(training.input),
        "output": links.prediction_output(training.id, training.output),
        "logs": training.logs,
        "error": training.error,
        "status": training.status.value,
        "created_at": timestamp(training.created_at),
        "started_at": timestamp(training.started_at),
        "completed_at": timestamp(training.completed_at),
        "urls": {
            "get": api,
            "cancel": f"{api}/cancel",
            "stream": links.stream(training.id),
            "web": links.prediction_page(training.id),
        },
        "metrics": training.metrics,
        "source": training.source,
    }


def job_json(job: Prediction, links: Links) -> dict[str, Any]:
    """A prediction row as its kind shows it (a webhook body, an event)."""
    return training_json(job, links) if job.training else prediction_json(job, links)


def account_json(account: Account) -> dict[str, Any]:
    return {
        "type": account.type,
        "username": account.username,
        "name": account.name,
        "github_url": None,
    }


def account_entry_json(entry: AccountEntry) -> dict[str, Any]:
    """An account as administrators see it (a mimeo extension)."""
    account = entry.account
    return {
        **account_json(account),
        "admin": account.admin,
        "disabled": entry.disabled,
        "created_at": timestamp(entry.created_at),
        "organizations": sorted(account.organizations),
        "members": list(entry.members),
    }


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "created_at": timestamp(token.created_at),
        "last_used_at": timestamp(token.last_used_at),
    }


def deployment_json(deployment: Deployment, created_by: Account) -> dict[str, Any]:
    """Only the current release is kept, so ``created_by`` is the owning account."""
    return {
        "owner": deployment.owner,
        "name": deployment.name,
        "current_release": {
            "number": deployment.release_number,
            "model": deployment.model,
            "version": deployment.version,
            "created_at": timestamp(deployment.release_created_at),
            "created_by": account_json(created_by),
            "configuration": {
                "hardware": deployment.hardware,
                "min_instances": deployment.min_instances,
                "max_instances": deployment.max_instances,
            },
        },
    }


def page_json(page: Page[Any], url: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    def link(cursor: Cursor | None) -> str | None:
        if cursor is None:
            return None
        return f"{url}{'&' if '?' in url else '?'}cursor={cursor.encode()}"

    return {"next": link(page.next), "previous": link(page.previous), "results": items}


def file_json(stored: StoredFile, account: str, links: Links) -> dict[str, Any]:
    """``urls.get`` is the API resource, as Replicate's; ``urls.download`` is a signed link that
    works without a token (a mimeo addition: Replicate hands such links out separately)."""
    return {
        "id": stored.id,
        "name": stored.name,
        "content_type": stored.content_type,
        "size": stored.size,
        "etag": stored.md5,
        "checksums": {"sha256": stored.sha256, "md5": stored.md5},
        "metadata": stored.metadata,
        "created_at": timestamp(stored.created_at),
        "expires_at": timestamp(stored.expires_at),
        "urls": {"get": links.file(stored.id), "download": links.file_download(stored.id, account)},
    }


def collection_json(collection: Collection) -> dict[str, Any]:
    """A collection as ``GET /v1/collections`` lists it (without its models)."""
    return {
        "name": collection.name,
        "slug": collection.slug,
        "description": collection.description,
    }


def collection_with_models_json(
    collection: Collection, models: list[Model], links: Links
) -> dict[str, Any]:
    return {
        **collection_json(collection),
        "full_description": collection.full_description,
        "models": [model_json(model, links) for model in models],
    }


def billing_json(username: str, summary: BillingSummary) -> dict[str, Any]:
    return {
        "username": username,
        "balance": format_dollars(summary.balance_micros),
        "credit_granted": format_dollars(summary.granted_micros),
        "spent": format_dollars(summary.spent_micros),
        "currency": CURRENCY,
    }


def usage_line_json(grouping: UsageGrouping, line: UsageLine) -> dict[str, Any]:
    return {
        str(grouping): line.key,
        "seconds": format_seconds(line.duration_us),
        "amount": format_dollars(line.amount_micros),
        "count": line.count,
    }
