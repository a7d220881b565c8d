# pyright: strict
"""Encrypted JSON records on a `State`: Bitrix24 tokens and MCP grants are never stored in clear.

Every value is sealed with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) under
`BITRIX24_STATE_KEY`. Several comma-separated keys rotate: the first seals, any opens. A
sealed value carries the name it was stored under, so a record copied to another name (one
person's tokens into another's slot) does not open. Bearer tokens are looked up by their
SHA-256, so the store holds no token that would work if read.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bitrix24_scrum_mcp.config import Secret
from bitrix24_scrum_mcp.env import ConfigError
from bitrix24_scrum_mcp.team.state import State

logger = logging.getLogger(__name__)

KEY_HELP = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)

Record = dict[str, Any]


def digest(token: str) -> str:
    """The name a bearer token is stored under: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def sealer(keys: Sequence[Secret]) -> MultiFernet:
    """The Fernet keys of `BITRIX24_STATE_KEY`, first one sealing.

    Raises:
        ConfigError: no key, or one that is not a Fernet key.
    """
    if not keys:
        raise ConfigError(f"BITRIX24_STATE_KEY is not set; create one with {KEY_HELP}")
    try:
        return MultiFernet([Fernet(key.reveal().encode()) for key in keys])
    except ValueError:
        raise ConfigError(
            "BITRIX24_STATE_KEY must be Fernet keys (32 url-safe base64-encoded bytes), "
            f"separated by commas; create one with {KEY_HELP}"
        ) from None


class Vault:
    def __init__(self, state: State, fernet: MultiFernet) -> None:
        self.state = state
        self._fernet = fernet

    def _seal(self, key: str, record: Record) -> bytes:
        return self._fernet.encrypt(json.dumps({"k": key, "v": record}).encode())

    def _open(self, key: str, sealed: bytes | None) -> Record | None:
        if sealed is None:
            return None
        try:
            box = json.loads(self._fernet.decrypt(sealed))
        except (InvalidToken, ValueError):
            # A key removed from BITRIX24_STATE_KEY, or a record someone tampered with:
            # treat it as absent (the person signs in again) and say so once.
            logger.warning("a stored record could not be opened with BITRIX24_STATE_KEY")
            return None
        if not isinstance(box, dict) or cast(Record, box).get("k") != key:
            logger.warning("a stored record was found under a name it was not saved under")
            return None
        value = cast(Record, box).get("v")
        return cast(Record, value) if isinstance(value, dict) else None

    async def get(self, key: str) -> Record | None:
        return self._open(key, await self.state.get(key))

    async def put(self, key: str, record: Record, ttl_s: float) -> None:
        await self.state.put(key, self._seal(key, record), ttl_s)

    async def take(self, key: str) -> Record | None:
        return self._open(key, await self.state.take(key))

    async def delete(self, key: str) -> None:
        await self.state.delete(key)
