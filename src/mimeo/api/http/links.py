"""Every absolute URL mimeo hands out, made in one place.

Each points back at the host the client used (``base``: the configured public URL, else the
request's host, proxies included), and the ones a client may open without its token (streams,
blobs, file downloads) are signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request

from mimeo.api.http.signing import UrlSigner
from mimeo.core.blob_refs import blob_key, map_strings

STREAM = "stream"
BLOB = "blob"
FILE_DOWNLOAD = "file-download"


def base_url(request: Request) -> str:
    configured: str | None = getattr(request.app.state, "public_url", None)
    if configured:
        return configured.rstrip("/")
    proto = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
    host = request.headers.get("x-forwarded-host") or request.headers.get("host")
    if not host:
        host = f"{request.url.hostname}:{request.url.port}"
    return f"{proto}://{host.split(',')[0].strip()}"


@dataclass(frozen=True)
class Links:
    base: str
    signer: UrlSigner

    def predictions(self) -> str:
        return f"{self.base}/v1/predictions"

    def prediction(self, prediction_id: str) -> str:
        return f"{self.base}/v1/predictions/{prediction_id}"

    def trainings(self) -> str:
        return f"{self.base}/v1/trainings"

    def training(self, training_id: str) -> str:
        return f"{self.base}/v1/trainings/{training_id}"

    def prediction_page(self, prediction_id: str) -> str:
        """``urls.web``: where a person looks at the prediction."""
        return f"{self.base}/p/{prediction_id}"

    def stream(self, prediction_id: str) -> str:
        """Expiring like the other signed URLs; every read of the prediction makes a fresh one,
        and a stream already open runs to its end."""
        expires, token = self.signer.expiring(STREAM, prediction_id)
        return f"{self.base}/v1/predictions/{prediction_id}/stream?expires={expires}&token={token}"

    def models(self) -> str:
        return f"{self.base}/v1/models"

    def model_page(self, owner: str, name: str) -> str:
        return f"{self.base}/{owner}/{name}"

    def model_cover(self, owner: str, name: str) -> str:
        return f"{self.base}/v1/models/{owner}/{name}/cover"

    def examples(self, owner: str, name: str) -> str:
        return f"{self.base}/v1/models/{owner}/{name}/examples"

    def collections(self) -> str:
        return f"{self.base}/v1/collections"

    def versions(self, owner: str, name: str) -> str:
        return f"{self.base}/v1/models/{owner}/{name}/versions"

    def deployments(self) -> str:
        return f"{self.base}/v1/deployments"

    def files(self) -> str:
        return f"{self.base}/v1/files"

    def file(self, file_id: str) -> str:
        return f"{self.base}/v1/files/{file_id}"

    def file_download(self, file_id: str, owner: str) -> str:
        """Replicate's shape: ``/v1/files/{id}/download?owner=&expiry=&signature=``."""
        expiry, signature = self.signer.expiring(FILE_DOWNLOAD, f"{owner} {file_id}")
        return (
            f"{self.base}/v1/files/{file_id}/download"
            f"?owner={quote(owner)}&expiry={expiry}&signature={signature}"
        )

    def blob(self, key: str) -> str:
        expires, signature = self.signer.expiring(BLOB, key)
        return f"{self.base}/v1/blobs/{quote(key)}?expires={expires}&signature={signature}"

    def output(self, value: Any) -> Any:
        """Stored blob references become signed URLs; everything else is unchanged."""

        def render(text: str) -> str:
            key = blob_key(text)
            return text if key is None else self.blob(key)

        return map_strings(value, render)

    def prediction_output(self, prediction_id: str, value: Any) -> Any:
        """Like ``output``, for what a model returned: only references to this prediction's own
        stored outputs become URLs. A model's text that merely looks like a reference (a model
        can write ``mimeo-blob:files/...``) stays the text it is, never a link to that blob."""
        own = f"outputs/{prediction_id}/"

        def render(text: str) -> str:
            key = blob_key(text)
            return self.blob(key) if key is not None and key.startswith(own) else text

        return map_strings(value, render)


def links_for(request: Request) -> Links:
    return Links(base_url(request), request.app.state.context.signer)


async def get_links(request: Request) -> Links:
    return links_for(request)


LinksDep = Annotated[Links, Depends(get_links)]
