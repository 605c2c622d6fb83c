"""Absolute URLs that point back at the host the client used, proxies included."""

from __future__ import annotations

from fastapi import Request


def base_url(request: Request) -> str:
    configured: str | None = getattr(request.app.state, "public_url", None)
    if configured:
        return configured.rstrip("/")
    proto = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
    host = request.headers.get("x-forwarded-host") or request.headers.get("host")
    if not host:
        host = f"{request.url.hostname}:{request.url.port}"
    return f"{proto}://{host.split(',')[0].strip()}"
