"""Model references: ``owner/name`` and ``owner/name:version``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mimeo.core.errors import InvalidRequest

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
VERSION_PATTERN = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ModelRef:
    owner: str
    name: str
    version: str | None = None

    @classmethod
    def parse(cls, text: str) -> ModelRef:
        """Parse ``owner/name`` or ``owner/name:version`` the way the replicate clients do."""
        ref, _, version = text.partition(":")
        owner, slash, name = ref.partition("/")
        if not slash or not owner or not name:
            raise InvalidRequest(f"{text!r} is not a model reference like 'owner/name[:version]'")
        check_name("owner", owner)
        check_name("model name", name)
        if version and not VERSION_PATTERN.match(version):
            raise InvalidRequest(f"{version!r} is not a version id (64 hexadecimal characters)")
        return cls(owner, name, version or None)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def __str__(self) -> str:
        return f"{self.full_name}:{self.version}" if self.version else self.full_name


def check_name(what: str, value: str) -> str:
    if not NAME_PATTERN.match(value):
        raise InvalidRequest(
            f"{what} {value!r} must be lowercase letters, digits, '.', '_' or '-' "
            "and start with a letter or digit"
        )
    return value
