"""Browser sessions: an encrypted cookie, and the CSRF token every form must send back.

The cookie holds the API token the person signed in with, sealed with Fernet (AES + HMAC)
under a key derived from a server secret kept in the database, so it is neither readable nor
forgeable, and every API node opens it. Each request resolves the token again like a bearer
token: a token revoked in the API ends the browser's session too. Every session, signed in or
not, has a random nonce; the CSRF token is an HMAC of it, so a page of another site cannot
know it, and signing in makes a new nonce (no session fixation).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Annotated

from cryptography.fernet import InvalidToken
from fastapi import Depends, Request, Response

from mimeo.api.context import AppContext
from mimeo.api.http.deps import ContextDep, account_for_token
from mimeo.api.http.links import base_url
from mimeo.core.errors import Forbidden, Unauthenticated
from mimeo.core.records import Account
from mimeo.store.sealing import fernet_for

COOKIE = "mimeo_session"
SESSION_SECONDS = 14 * 24 * 3600
SECRET_NAME = "web-sessions"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Session:
    nonce: str
    token: str | None = None

    @classmethod
    def fresh(cls, token: str | None = None) -> Session:
        return cls(secrets.token_urlsafe(18), token)


class SessionSeal:
    """Seals sessions into cookie values and opens them; derives their CSRF tokens."""

    def __init__(self, secret: str) -> None:
        self._fernet = fernet_for(secret, b"mimeo: web sessions")
        self._csrf_key = hashlib.sha256(f"csrf\n{secret}".encode()).digest()

    def seal(self, session: Session) -> str:
        return self._fernet.encrypt(json.dumps([session.nonce, session.token]).encode()).decode()

    def open(self, sealed: str) -> Session | None:
        try:
            nonce, token = json.loads(self._fernet.decrypt(sealed, ttl=SESSION_SECONDS))
        except (InvalidToken, ValueError, TypeError):
            return None
        return Session(str(nonce), None if token is None else str(token))

    def csrf(self, session: Session) -> str:
        return hmac.new(self._csrf_key, session.nonce.encode(), hashlib.sha256).hexdigest()

    def csrf_matches(self, session: Session, given: str) -> bool:
        return given.isascii() and hmac.compare_digest(self.csrf(session), given)


async def session_seal(request: Request, context: ContextDep) -> SessionSeal:
    """Made once per app from the shared secret; every node derives the same key."""
    seal: SessionSeal | None = getattr(request.app.state, "session_seal", None)
    if seal is None:
        seal = SessionSeal(await context.store.secrets.get_or_create(SECRET_NAME))
        request.app.state.session_seal = seal
    return seal


SealDep = Annotated[SessionSeal, Depends(session_seal)]


def read_session(request: Request, seal: SessionSeal) -> Session | None:
    sealed = request.cookies.get(COOKIE)
    return None if sealed is None else seal.open(sealed)


def keep_session(request: Request, response: Response, seal: SessionSeal, session: Session) -> None:
    """HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it), and Secure
    whenever the browser reached mimeo over https, proxies included."""
    response.set_cookie(
        COOKIE,
        seal.seal(session),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=base_url(request).startswith("https://"),
        path="/",
    )


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


@dataclass(frozen=True)
class Visitor:
    """A signed-in person: whose account, and the CSRF token their pages carry."""

    account: Account
    session: Session
    csrf: str


async def signed_in(request: Request, context: ContextDep, seal: SealDep) -> Visitor:
    """Raises ``Unauthenticated``, which a page answers with the sign-in page."""
    session = read_session(request, seal)
    account = await _account(context, session)
    if session is None or account is None:
        raise Unauthenticated("Sign in with an API token to see this page")
    return Visitor(account, session, seal.csrf(session))


async def _account(context: AppContext, session: Session | None) -> Account | None:
    if session is None or session.token is None:
        return None
    return await account_for_token(context, session.token)


VisitorDep = Annotated[Visitor, Depends(signed_in)]


async def csrf_checked(request: Request, visitor: VisitorDep, seal: SealDep) -> Visitor:
    """For every POST of a signed-in page: the form field or the header scripts send."""
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        given = field if isinstance(field, str) else ""
    if not seal.csrf_matches(visitor.session, given):
        raise Forbidden("This form is missing its security token: reload the page and try again")
    return visitor


CheckedVisitorDep = Annotated[Visitor, Depends(csrf_checked)]
