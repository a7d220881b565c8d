# pyright: strict
"""`MCP_HTTP_TOKENS_FILE`: small teams without an OAuth application.

A TOML file gives each person a bearer token of their own and the incoming webhook they act
through (created by that person in Bitrix24, so the portal sees them, with their rights):

    [[person]]
    name = "maria"                                         # shown in the audit log
    token = "kq0V3...43 random characters..."              # secrets.token_urlsafe(32)
    webhook = "https://example.bitrix24.com/rest/1/abc123/"

The file must be readable by its owner only (mode 0600): it is checked at start (the server
refuses to start otherwise) and on every reload. Tokens must be strong (32+ characters and
about 128 bits of entropy, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)
and unique; names must be unique ids (letters, digits and `._@-`). Edits are picked up
within a second; an edit that breaks the file is refused with an error in the log and the
previous people stay in force. Tokens are kept by their SHA-256 and never logged.
"""

from __future__ import annotations

import logging
import stat
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mcp.server.auth.provider import AccessToken
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bitrix24_scrum_mcp.config import Webhook
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.http_app import token_bits
from bitrix24_scrum_mcp.redact import REDACTOR
from bitrix24_scrum_mcp.team.vault import digest

logger = logging.getLogger(__name__)

MIN_TOKEN_LENGTH = 32
MIN_TOKEN_BITS = 128.0
RECHECK_S = 1.0
TOKEN_HELP = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
    token: str
    webhook: str


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    person: list[_Entry] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Member:
    """One person of the tokens file: their name (the audit's `person`) and webhook."""

    name: str
    webhook: Webhook


def _fingerprint(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns, info.st_size


def _check_mode(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"MCP_HTTP_TOKENS_FILE {path} can be read by others (mode {mode:04o}): it holds "
            f"every person's token and webhook; run `chmod 600 {path}`"
        )


def read_members(path: Path) -> dict[str, Member]:
    """The file's people, by the SHA-256 of their token.

    Raises:
        ConfigError: unreadable, mode not 0600, not TOML, a bad entry (named by its place in
            the file, never by its secret values), a weak or repeated token, a repeated name.
    """
    what = f"MCP_HTTP_TOKENS_FILE {path}"
    try:
        _check_mode(path)
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{what} cannot be read ({type(exc).__name__})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"{what} is not valid TOML (near line {line})") from None
    try:
        entries = _File.model_validate(raw).person
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{what}: {where}: {first['msg']} (each [[person]] has name, token and webhook)"
        ) from None
    members: dict[str, Member] = {}
    names: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"{what}: person {index + 1} ({entry.name})"
        if len(entry.token) < MIN_TOKEN_LENGTH or token_bits(entry.token) < MIN_TOKEN_BITS:
            raise ConfigError(f"{where}: the token is too weak; create one with {TOKEN_HELP}")
        key = digest(entry.token)
        if key in members:
            raise ConfigError(f"{where}: the token is also another person's")
        if entry.name in names:
            raise ConfigError(f"{where}: the name is also another person's")
        try:
            webhook = Webhook.parse(entry.webhook)
        except ConfigError as exc:
            raise ConfigError(
                f"{where}: {exc}".replace("BITRIX24_WEBHOOK_URL", "webhook")
            ) from None
        names.add(entry.name)
        REDACTOR.add(entry.token)  # never shown, wherever it might turn up
        members[key] = Member(entry.name, webhook)
    return members


class TokensFile:
    """The people of `MCP_HTTP_TOKENS_FILE`, reread when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._members = read_members(path)  # at start, a broken file stops the server
        self._fingerprint = _fingerprint(path)
        self._checked = time.monotonic()

    def member(self, token: str) -> Member | None:
        """The person whose token this is (looked up by digest, so timing tells nothing)."""
        self._reload_if_changed()
        return self._members.get(digest(token))

    def by_name(self, name: str) -> Member | None:
        self._reload_if_changed()
        return next((m for m in self._members.values() if m.name == name), None)

    def _reload_if_changed(self) -> None:
        now = time.monotonic()
        if now - self._checked < RECHECK_S:
            return
        self._checked = now
        try:
            fingerprint = _fingerprint(self.path)
        except OSError:
            logger.error(
                "MCP_HTTP_TOKENS_FILE %s is gone; keeping the people read before", self.path
            )
            return
        if fingerprint == self._fingerprint:
            return
        self._fingerprint = fingerprint
        try:
            self._members = read_members(self.path)
        except ConfigError as exc:
            logger.error("%s; keeping the people read before", exc)
            return
        logger.warning("MCP_HTTP_TOKENS_FILE reloaded: %d people", len(self._members))


class TokensFileVerifier:
    """The MCP layer's `TokenVerifier`: a token of the file stands for its person."""

    def __init__(self, tokens: TokensFile) -> None:
        self.tokens = tokens

    async def verify_token(self, token: str) -> AccessToken | None:
        member = self.tokens.member(token)
        if member is None:
            return None
        # client_id is what the SDK (and a fair share keyed by it) sees as the principal
        return AccessToken(
            token=token, client_id=f"person:{member.name}", scopes=[], subject=member.name
        )
