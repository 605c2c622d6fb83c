"""Releasing a deployment: its first release (creation) and each next one, checked before it is
stored (name, model, version and configuration, all reported together as one 422 with an entry
per bad field). ``/v1/deployments`` and the web UI's deployment pages both release through here."""

from __future__ import annotations

from mimeo.api.context import AppContext
from mimeo.core.accounts import may_change, may_see
from mimeo.core.deployments import check_configuration
from mimeo.core.errors import FieldError, InvalidInput, InvalidRequest, NotFound
from mimeo.core.identifiers import ModelRef, check_name
from mimeo.core.records import Account, Deployment, Model, Version


def name_errors(name: str) -> list[FieldError]:
    """A deployment is named like a model: it shares their ``owner/name`` form."""
    try:
        check_name("deployment name", name)
    except InvalidRequest as error:
        return [FieldError("name", error.detail)]
    return []


async def find_model(context: AppContext, account: Account, reference: str) -> Model | FieldError:
    """Only the model's owner deploys it: a model ``account`` may not see is not found, one it
    may see but not change is refused."""
    try:
        ref = ModelRef.parse(reference)
    except InvalidRequest as error:
        return FieldError("model", error.detail)
    if ref.version is not None:
        return FieldError("model", "give the model as 'owner/name' and its version in 'version'")
    model = await context.store.catalog.find_model(ref.owner, ref.name)
    if model is None or not may_see(model, account):
        return FieldError("model", f"model {ref.full_name} not found")
    if not may_change(model.owner, account):
        return FieldError(
            "model",
            f"model {ref.full_name} is not yours to deploy: only {model.owner} "
            "(and its members, if an organization) may",
        )
    return model


async def find_version(context: AppContext, model: Model, version_id: str) -> Version | FieldError:
    """The version must be one of the release's model: a deployment runs one model."""
    try:
        return await context.store.catalog.get_version(model, version_id)
    except NotFound:
        return FieldError("version", f"{version_id!r} is not a version of {model.full_name}")


async def new_release_version(
    context: AppContext,
    account: Account,
    model_name: str,
    version_id: str,
    errors: list[FieldError],
) -> tuple[Model, Version]:
    """The model and version a release will run; raises ``InvalidInput`` with ``errors`` and
    any problem with the model or version."""
    found = await find_model(context, account, model_name)
    version: Version | FieldError | None = None
    if isinstance(found, FieldError):
        errors = [*errors, found]
    else:
        version = await find_version(context, found, version_id)
        if isinstance(version, FieldError):
            errors = [*errors, version]
    if errors or not isinstance(found, Model) or not isinstance(version, Version):
        raise InvalidInput(errors)
    return found, version


async def next_release_version(
    context: AppContext,
    account: Account,
    deployment: Deployment,
    version_id: str | None,
    hardware: str,
    min_instances: int,
    max_instances: int,
) -> Version:
    """The version of a deployment's next release: the given one, else the current one (which
    must still exist: its build says how many predictions an instance takes)."""
    ceiling = context.settings.deployment_instance_ceiling
    errors = check_configuration(hardware, min_instances, max_instances, ceiling)
    chosen = deployment.version if version_id is None else version_id
    _model, version = await new_release_version(context, account, deployment.model, chosen, errors)
    return version


async def first_release(
    context: AppContext,
    account: Account,
    owner: str,
    name: str,
    model_name: str,
    version_id: str,
    hardware: str,
    min_instances: int,
    max_instances: int,
) -> Deployment:
    """A new deployment ``owner/name``, made by ``account``: the owner is the account or an
    organization it belongs to."""
    errors = name_errors(name) + check_configuration(
        hardware, min_instances, max_instances, context.settings.deployment_instance_ceiling
    )
    if not may_change(owner, account):
        message = f"{owner} is neither you nor an organization you belong to"
        errors = [FieldError("owner", message), *errors]
    model, version = await new_release_version(context, account, model_name, version_id, errors)
    return await context.store.deployments.create(
        account.id,
        owner,
        name,
        model=model.full_name,
        version=version,
        hardware=hardware,
        min_instances=min_instances,
        max_instances=max_instances,
    )


async def next_release(
    context: AppContext,
    account: Account,
    deployment: Deployment,
    version_id: str | None = None,
    hardware: str | None = None,
    min_instances: int | None = None,
    max_instances: int | None = None,
) -> Deployment:
    """What is left out stays as the current release has it; a change to anything makes the
    next release, and changing nothing makes none."""
    hardware = deployment.hardware if hardware is None else hardware
    min_instances = deployment.min_instances if min_instances is None else min_instances
    max_instances = deployment.max_instances if max_instances is None else max_instances
    version = await next_release_version(
        context, account, deployment, version_id, hardware, min_instances, max_instances
    )
    return await context.store.deployments.update(
        deployment,
        version=version,
        hardware=hardware,
        min_instances=min_instances,
        max_instances=max_instances,
    )
