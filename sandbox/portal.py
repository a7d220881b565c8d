# pyright: strict
"""`Portal`: one emulated Bitrix24 portal — its store, credentials and the call dispatcher.

The ASGI app owns HTTP; the portal owns everything after the request is parsed: who is
calling (webhook or OAuth token), which method runs, its scope check, its transaction and
its envelope. Each call, and each batch sub-call, is one transaction.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bitrix24_scrum_mcp.sandbox.context import REPORTED, Call
from bitrix24_scrum_mcp.sandbox.envelope import time_block
from bitrix24_scrum_mcp.sandbox.errors import (
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidClientError,
    InvalidCredentialsError,
    InvalidGrantError,
    InvalidTokenError,
    MethodError,
    MethodNotFoundError,
    ThrownError,
)
from bitrix24_scrum_mcp.sandbox.faults import FaultConfig
from bitrix24_scrum_mcp.sandbox.registry import MethodSpec, lookup
from bitrix24_scrum_mcp.sandbox.seed import (
    DEMO_APP_CLIENT_ID,
    DEMO_APP_CLIENT_SECRET,
    DEMO_PERSON_WEBHOOK_CODES,
    DEMO_SCOPES,
    DEMO_USER_ID,
    DEMO_WEBHOOK_CODE,
    role,
    seed_demo,
    seed_minimal,
)
from bitrix24_scrum_mcp.sandbox.store import Store

ALL_SCOPES = ("task", "user", "sonet_group", "basic")
ACCESS_TTL_S = 3600  # docs: an access token lives one hour
CODE_TTL_S = 30  # docs: an authorization code lives 30 seconds


@dataclass(frozen=True)
class Principal:
    """Who a request runs as: the webhook owner or the token's user, with granted scopes."""

    user_id: int
    scopes: frozenset[str]


@dataclass(frozen=True)
class TokenPair:
    """An issued OAuth pair: whose it is, what it may do and when its access token expires."""

    access_token: str
    refresh_token: str
    user_id: int
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class CallResult:
    """A successful call: the handler's payload and its `time` block."""

    payload: Any
    time: dict[str, Any]


class Portal:
    """An emulated portal backed by SQLite (`:memory:` by default, or a file that persists).

    `seed=True` loads the demo portal (see `sandbox.seed`); `seed=False` leaves only user 1.
    The demo webhook (`DEMO_USER_ID`/`DEMO_WEBHOOK_CODE`, every scope) and the demo OAuth
    application (`DEMO_APP_CLIENT_ID`/`DEMO_APP_CLIENT_SECRET`) are always registered; the
    seeded portal also has a webhook for each demo employee (`DEMO_PERSON_WEBHOOK_CODES`).
    `oauth_access_ttl_s` is how long the access tokens it issues from now on live.
    """

    def __init__(
        self,
        db_path: str = ":memory:",
        seed: bool = True,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = Store(db_path)
        self.wall_clock = wall_clock
        self.request_count = 0
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self.oauth_access_ttl_s = ACCESS_TTL_S
        with self.store.transaction():
            if seed:
                seed_demo(self.store, self.wall_clock())
            else:
                seed_minimal(self.store)
        self.add_webhook(DEMO_USER_ID, DEMO_WEBHOOK_CODE, DEMO_SCOPES)
        for user_id, code in DEMO_PERSON_WEBHOOK_CODES.items() if seed else ():
            self.add_webhook(user_id, code, DEMO_SCOPES)
        self.register_app(DEMO_APP_CLIENT_ID, DEMO_APP_CLIENT_SECRET)

    # -- credentials -------------------------------------------------------------------

    def add_webhook(self, user_id: int, code: str, scopes: tuple[str, ...] = ALL_SCOPES) -> None:
        """Register an incoming webhook `/rest/<user_id>/<code>/` with the given scopes."""
        with self.store.transaction():
            self.store.run(
                "INSERT OR REPLACE INTO webhooks (user_id, code, scopes) VALUES (?, ?, ?)",
                (user_id, code, json.dumps(list(scopes))),
            )

    def issue_oauth_tokens(
        self,
        user_id: int,
        access_token: str,
        refresh_token: str,
        expires_in: int = 3600,
        client_id: str | None = None,
        client_secret: str | None = None,
        scopes: tuple[str, ...] = ALL_SCOPES,
    ) -> None:
        """Register an OAuth token pair; `expires_in <= 0` gives an already expired token."""
        expires_at = self.wall_clock() + expires_in
        pair = TokenPair(access_token, refresh_token, user_id, scopes, expires_at)
        self._save_pair(pair, client_id, client_secret)

    def register_app(
        self,
        client_id: str,
        client_secret: str,
        scopes: tuple[str, ...] = ALL_SCOPES,
        redirect_uri: str | None = None,
    ) -> None:
        """Register an OAuth application; `redirect_uri` (its handler) pins where codes go."""
        with self.store.transaction():
            self.store.run(
                "INSERT OR REPLACE INTO oauth_apps (client_id, client_secret, scopes, "
                "redirect_uri) VALUES (?, ?, ?, ?)",
                (client_id, client_secret, json.dumps(list(scopes)), redirect_uri),
            )

    def oauth_app(self, client_id: str) -> dict[str, Any] | None:
        """The application's `scopes` and `redirect_uri` (its handler), or None."""
        row = self.store.one("SELECT * FROM oauth_apps WHERE client_id = ?", (client_id,))
        if row is None:
            return None
        return {"scopes": tuple(json.loads(row["scopes"])), "redirect_uri": row["redirect_uri"]}

    def active_users(self) -> list[tuple[int, str]]:
        """(id, full name) of every employee who can sign in, for the sign-in page."""
        rows = self.store.all("SELECT id, name, last_name FROM users WHERE active = 1 ORDER BY id")
        return [(int(r["id"]), f"{r['name']} {r['last_name']}".strip()) for r in rows]

    def issue_authorization_code(self, client_id: str, user_id: int) -> str:
        """A code for `user_id`, who signed in and allowed `client_id`; it lives 30 seconds.

        Raises: InvalidClientError (unknown application), InvalidCredentialsError (no such
        active user).
        """
        if self.oauth_app(client_id) is None:
            raise InvalidClientError()
        user = self.store.one("SELECT id FROM users WHERE id = ? AND active = 1", (user_id,))
        if user is None:
            raise InvalidCredentialsError()
        code = secrets.token_hex(35)
        with self.store.transaction():
            expires_at = self.wall_clock() + CODE_TTL_S
            self.store.insert(
                "oauth_codes",
                {
                    "code": code,
                    "client_id": client_id,
                    "user_id": user_id,
                    "expires_at": expires_at,
                },
            )
        return code

    def exchange_authorization_code(
        self, code: str, client_id: object, client_secret: object
    ) -> TokenPair:
        """The first pair of a sign-in; a code works once, for 30 seconds, for its app only.

        Raises: InvalidGrantError (unknown, used or expired code), InvalidClientError (the
        client id or secret is not the code's application's).
        """
        with self.store.transaction():
            row = self.store.one("SELECT * FROM oauth_codes WHERE code = ?", (code,))
            self.store.run("DELETE FROM oauth_codes WHERE code = ?", (code,))
            if row is None or row["expires_at"] <= self.wall_clock():
                raise InvalidGrantError()
            app = self.store.one(
                "SELECT * FROM oauth_apps WHERE client_id = ?", (row["client_id"],)
            )
            if (
                app is None
                or client_id != app["client_id"]
                or client_secret != app["client_secret"]
            ):
                raise InvalidClientError()
            pair = self._new_pair(int(row["user_id"]), tuple(json.loads(app["scopes"])))
            self._save_pair(pair, app["client_id"], app["client_secret"])
        return pair

    def revoke_oauth_tokens(self, user_id: int, client_id: str | None = None) -> int:
        """Withdraw a person's tokens (all, or one application's), as when an administrator
        removes the application or the person: their access tokens answer `invalid_token`
        and their refresh tokens `invalid_grant`. Returns how many pairs were withdrawn."""
        where = "user_id = ?" + (" AND client_id = ?" if client_id is not None else "")
        params = (user_id,) if client_id is None else (user_id, client_id)
        with self.store.transaction():
            count = int(
                self.store.scalar(f"SELECT COUNT(*) FROM oauth_tokens WHERE {where}", params)
            )
            self.store.run(f"DELETE FROM oauth_tokens WHERE {where}", params)
        return count

    def expire_oauth_tokens(self, user_id: int) -> None:
        """Make a person's access tokens expired now (their refresh tokens still work)."""
        with self.store.transaction():
            self.store.run(
                "UPDATE oauth_tokens SET expires_at = ? WHERE user_id = ?",
                (self.wall_clock(), user_id),
            )

    def _new_pair(self, user_id: int, scopes: tuple[str, ...]) -> TokenPair:
        return TokenPair(
            access_token=secrets.token_hex(35),
            refresh_token=secrets.token_hex(35),
            user_id=user_id,
            scopes=scopes,
            expires_at=self.wall_clock() + self.oauth_access_ttl_s,
        )

    def refresh_oauth_tokens(
        self, refresh_token: str, client_id: object, client_secret: object
    ) -> TokenPair:
        """Rotate a pair: a new pair for the same user, client and scopes; the old refresh
        token stops working, the old access token lives until it expires.

        Raises: InvalidGrantError (unknown or used refresh token), InvalidClientError (the
        pair was issued to a client and these credentials differ).
        """
        with self.store.transaction():
            row = self.store.one(
                "SELECT * FROM oauth_tokens WHERE refresh_token = ?", (refresh_token,)
            )
            if row is None:
                raise InvalidGrantError()
            if row["client_id"] is not None and (
                client_id != row["client_id"] or client_secret != row["client_secret"]
            ):
                raise InvalidClientError()
            self.store.run(
                "UPDATE oauth_tokens SET refresh_token = NULL WHERE access_token = ?",
                (row["access_token"],),
            )
            pair = self._new_pair(int(row["user_id"]), tuple(json.loads(row["scopes"])))
            self._save_pair(pair, row["client_id"], row["client_secret"])
        return pair

    def _save_pair(self, pair: TokenPair, client_id: str | None, client_secret: str | None) -> None:
        with self.store.transaction():
            self.store.run(
                "INSERT OR REPLACE INTO oauth_tokens (access_token, refresh_token, user_id, "
                "expires_at, client_id, client_secret, scopes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    pair.access_token,
                    pair.refresh_token,
                    pair.user_id,
                    pair.expires_at,
                    client_id,
                    client_secret,
                    json.dumps(list(pair.scopes)),
                ),
            )

    def webhook_principal(self, user_id: int, code: str) -> Principal:
        """Raises: InvalidCredentialsError for an unknown user, code or inactive owner."""
        row = self.store.one(
            "SELECT w.scopes FROM webhooks w JOIN users u ON u.id = w.user_id "
            "WHERE w.user_id = ? AND w.code = ? AND u.active = 1",
            (user_id, code),
        )
        if row is None:
            raise InvalidCredentialsError()
        return Principal(user_id, frozenset(json.loads(row["scopes"])))

    def token_principal(self, access_token: str) -> Principal:
        """Raises: InvalidTokenError (unknown) or ExpiredTokenError (past `expires`)."""
        row = self.store.one("SELECT * FROM oauth_tokens WHERE access_token = ?", (access_token,))
        if row is None:
            raise InvalidTokenError()
        if row["expires_at"] <= self.wall_clock():
            raise ExpiredTokenError()
        return Principal(int(row["user_id"]), frozenset(json.loads(row["scopes"])))

    # -- test and demo helpers ---------------------------------------------------------

    def add_user(self, name: str, last_name: str = "", *, is_admin: bool = False) -> int:
        """Add an employee; returns the new user id."""
        with self.store.transaction():
            return self.store.insert(
                "users",
                {
                    "name": name,
                    "last_name": last_name,
                    "email": f"{name.lower()}@sandbox.example",
                    "is_admin": int(is_admin),
                },
            )

    def add_group(
        self,
        name: str,
        *,
        owner_id: int = DEMO_USER_ID,
        scrum_master_id: int = 0,
        members: tuple[int, ...] = (),
        with_backlog: bool | None = None,
    ) -> int:
        """Add a workgroup (a Scrum when `scrum_master_id` is set, which also gets a backlog).

        The owner is its owner (`A`), the Scrum master a moderator (`E`), `members` plain
        members (`K`)."""
        with self.store.transaction():
            group_id = self.store.insert(
                "groups",
                {
                    "name": name,
                    "owner_id": owner_id,
                    "scrum_master_id": scrum_master_id,
                    "project": "Y" if scrum_master_id else "N",
                    "visible": "Y",
                    "date_create": int(self.wall_clock()),
                },
            )
            for user_id in {owner_id, scrum_master_id, *members} - {0}:
                self.store.insert(
                    "group_members",
                    {
                        "group_id": group_id,
                        "user_id": user_id,
                        "role": role(user_id, owner_id, scrum_master_id),
                    },
                )
            if with_backlog if with_backlog is not None else bool(scrum_master_id):
                self.store.insert(
                    "entities",
                    {"group_id": group_id, "entity_type": "backlog", "created_by": owner_id},
                )
            return group_id

    def close(self) -> None:
        self.store.close()

    # -- dispatch ----------------------------------------------------------------------

    def change_stamp(self) -> tuple[int, int]:
        """Equal stamps: nothing in the portal's state changed in between (`Store.version`).
        The sandbox's board answers a poll from its cache while the stamp stays."""
        return self.store.version()

    def note_request(self, method: str, params: dict[str, Any]) -> None:
        """Count one REST HTTP request (a batch counts once)."""
        with self._lock:
            self.request_count += 1
            self.requests.append((method, params))

    def execute(
        self,
        principal: Principal,
        method: str,
        params: dict[str, Any],
        base_url: str,
        faults: FaultConfig | None = None,
    ) -> CallResult:
        """Run one method in its own transaction.

        Raises: RestError (method not found, scope, or the method's documented errors).
        """
        spec = lookup(method)
        if spec is None:
            raise MethodNotFoundError()
        if spec.scopes and not (spec.scopes & principal.scopes):
            raise InsufficientScopeError()
        with self._lock:
            self.calls.append((spec.name, params))
        start = self.wall_clock()
        call = Call(
            store=self.store,
            method=spec.name,
            user_id=principal.user_id,
            scopes=principal.scopes,
            now=start,
            base_url=base_url,
        )
        forced = (faults.force_errors if faults is not None else {}).get(spec.name)
        try:
            payload = self._run(spec, call, params, forced)
        except MethodError as error:
            # portal: an action that records an error and returns something other than
            # null gets that value sent as a success, the error dropped.
            answer = spec.drops.get(error.description, spec.on_error)
            if answer is REPORTED or isinstance(error, ThrownError):
                raise
            payload = answer
        return CallResult(payload, time_block(start, self.wall_clock()))

    def _run(self, spec: MethodSpec, call: Call, params: dict[str, Any], forced: str | None) -> Any:
        """The action in one transaction: an error rolls its writes back, unless it
        `keeps_effects` (a portal has no transaction around an action)."""
        kept: MethodError | None = None
        payload: Any = None
        with self.store.transaction():
            try:
                payload = spec.handler(call, params)
            except MethodError as error:
                if not error.keeps_effects:
                    raise
                kept = error
            else:
                if forced:
                    # The test hook for internal failures: the call ran, then its last
                    # step "fails inside"; nothing it wrote is kept.
                    raise MethodError(forced)
        if kept is not None:
            raise kept
        return payload
