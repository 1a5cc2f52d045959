"""Who makes a records decision: a person authenticated by their own API token.

A typed name proves nothing, so records decisions (disposal, legal holds, zdA, events, filing
by hand, the archive's appraisal and receipt) are made by an `Actor`: the holder of a live
token with the role records_manager. The command line authenticates the secret it is given
(`authenticate_actor`); every archive function that records a decision checks the actor again
in its own transaction (`check_actor`), so no caller can make a decision in the name of a
token that does not exist, was revoked or lacks the role. The name recorded is the token's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from archive.access import AccessError, Role, hash_secret
from archive.catalog.models import ApiToken
from archive.identity import identity_key

RECORDS_ROLE = Role.RECORDS_MANAGER


class ActorError(AccessError):
    """An identity that may not make a records decision; the message says why."""


@dataclass(frozen=True)
class Actor:
    """The authenticated person behind a records decision: the token's holder."""

    name: str
    token_id: str
    role: str

    @property
    def key(self) -> str:
        """The identity key: equal for names that look alike (`archive.identity`)."""
        return identity_key(self.name)

    def audit(self) -> dict[str, str]:
        """What the audit event of a decision says about who made it."""
        return {"by": self.name, "by_token": self.token_id}


def authenticate_actor(db: Session | Connection, secret: str | None) -> Actor:
    """The records manager whose token this secret is; refused: none, unknown, revoked, role."""
    secret = (secret or "").strip()
    if not secret:
        raise ActorError(
            "no token given: a records decision needs your own token with the role "
            f"{RECORDS_ROLE} (--token or EAKTE_TOKEN)"
        )
    token = db.execute(
        select(ApiToken.id, ApiToken.name, ApiToken.role, ApiToken.revoked_at).where(
            ApiToken.token_hash == hash_secret(secret)
        )
    ).first()
    if token is None:
        raise ActorError("unknown token: no token of this archive has this secret")
    return _valid(Actor(token.name, token.id, token.role), token.revoked_at)


def check_actor(session: Session, actor: Actor) -> Actor:
    """The actor, checked against the catalog in the deciding transaction: its token still
    exists under its name, is not revoked and has the role records_manager."""
    token = session.get(ApiToken, actor.token_id)
    if token is None or token.name != actor.name:
        raise ActorError(f"{actor.name!r} holds no token {actor.token_id} in this archive")
    return _valid(Actor(token.name, token.id, token.role), token.revoked_at)


def _valid(actor: Actor, revoked_at: object) -> Actor:
    if revoked_at is not None:
        raise ActorError(f"the token of {actor.name!r} was revoked on {revoked_at:%Y-%m-%d}")
    if actor.role != RECORDS_ROLE:
        raise ActorError(
            f"{actor.name!r} has the role {actor.role}; records decisions need the role "
            f"{RECORDS_ROLE}"
        )
    identity_key(actor.name)  # a name that names nobody decides nothing
    return actor
