"""`sandbox --tls`: the sandbox as an on-premise portal whose certificate a company CA issued.

A throwaway CA (trustme) issues the portal's certificate for the loopback names, and its
own certificate is written where the caller asks, to hand to a client as its CA bundle.
Both live only as long as the process: a fresh CA each start, so a copied CA file is
worth nothing afterwards. The portal's private key stays in a private temporary folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
CA_NAME = "bitrix24-scrum-mcp sandbox CA"


@dataclass(frozen=True, slots=True)
class TlsFiles:
    key_and_chain: Path  # the portal's private key and certificate chain, for uvicorn
    ca: Path  # the CA's certificate (PEM): the file a client trusts


def issue(folder: Path, ca_file: Path | None = None) -> TlsFiles:
    """A new CA and a portal certificate for `LOOPBACK_NAMES`; key files go in `folder`."""
    ca = trustme.CA(organization_name=CA_NAME)
    now = datetime.now(UTC)
    leaf = ca.issue_cert(  # valid for a year, as a portal's certificate would be
        *LOOPBACK_NAMES,
        organization_name="bitrix24-scrum-mcp sandbox",
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=365),
    )
    key_and_chain = folder / "portal-key-and-chain.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(key_and_chain))
    ca_path = ca_file if ca_file is not None else folder / "sandbox-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return TlsFiles(key_and_chain, ca_path)
