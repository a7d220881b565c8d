"""A connection that failed before anything was sent, told apart: a refused TLS certificate
becomes `TLS_CERTIFICATE`, naming the check that failed and the setting that fixes it.

OpenSSL reports why it refused a certificate as an `X509_V_ERR_*` code on the
`ssl.SSLCertVerificationError` that httpx2 chains under its `ConnectError`; the OS verifiers
truststore uses on macOS and Windows report in words, read as a fallback. Messages show the
portal's origin (scheme, host, port) and never its path, which holds a webhook's code.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpx2

from bitrix24_scrum_mcp.errors import Bitrix24Error, ConnectFailedError

CA_BUNDLE_FIX = (
    "if the portal uses a company CA, set BITRIX24_CA_BUNDLE to that CA's certificate (a PEM file)"
)


@dataclass(frozen=True, slots=True)
class Refusal:
    check: str  # the check that failed, in two words
    why: str  # what that means for this certificate
    fix: str  # what to do


_UNKNOWN_ISSUER = Refusal(
    "unknown issuer",
    "it is issued by a certificate authority this computer does not trust",
    CA_BUNDLE_FIX,
)
_SELF_SIGNED = Refusal(
    "self-signed",
    "it is self-signed",
    "set BITRIX24_CA_BUNDLE to a PEM file holding that certificate, "
    "or give the portal a certificate issued by a CA",
)
_EXPIRED = Refusal(
    "expired",
    "it has expired",
    "the portal's administrator must renew it (if it has not expired, check this computer's clock)",
)
_NAME_MISMATCH = Refusal(
    "name mismatch",
    "it is not issued for {host}",
    "use the portal address the certificate names, or have the certificate reissued for this name",
)
_BY_CODE: dict[int, Refusal] = {  # OpenSSL's X509_V_ERR_* codes
    2: _UNKNOWN_ISSUER,  # UNABLE_TO_GET_ISSUER_CERT
    19: _UNKNOWN_ISSUER,  # SELF_SIGNED_CERT_IN_CHAIN: the chain ends in an untrusted root
    20: _UNKNOWN_ISSUER,  # UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    21: _UNKNOWN_ISSUER,  # UNABLE_TO_VERIFY_LEAF_SIGNATURE
    18: _SELF_SIGNED,  # DEPTH_ZERO_SELF_SIGNED_CERT
    10: _EXPIRED,  # CERT_HAS_EXPIRED
    9: Refusal("not yet valid", "it is not valid yet", "check this computer's clock"),
    62: _NAME_MISMATCH,  # HOSTNAME_MISMATCH
    64: _NAME_MISMATCH,  # IP_ADDRESS_MISMATCH
    23: Refusal("revoked", "it has been revoked", "the portal's administrator must replace it"),
}
_BY_WORDS: tuple[tuple[tuple[str, ...], Refusal], ...] = (
    # the OS verifiers' wording (truststore on macOS and Windows), checked in this order
    (("expired",), _EXPIRED),
    (("self signed", "self-signed"), _SELF_SIGNED),
    (("mismatch", "not valid for", "hostname"), _NAME_MISMATCH),
    (("issuer", "untrusted", "not trusted", "root"), _UNKNOWN_ISSUER),
)


def _refusal(error: ssl.SSLCertVerificationError) -> Refusal:
    if error.verify_code in _BY_CODE:
        return _BY_CODE[error.verify_code]
    words = (error.verify_message or "").lower()
    for needles, refusal in _BY_WORDS:
        if any(needle in words for needle in needles):
            return refusal
    return Refusal("refused", error.verify_message or "it was not accepted", CA_BUNDLE_FIX)


class CertificateError(Bitrix24Error):
    """The portal's TLS certificate was refused; nothing was sent, and repeating cannot help.

    Not a `TransportError`: reads are retried on those, and this answer will not change.
    """

    code = "TLS_CERTIFICATE"
    retryable = False

    def __init__(self, origin: str, host: str, refusal: Refusal, *, method: str = "") -> None:
        super().__init__(
            f"the TLS certificate of {origin} was refused ({refusal.check}): "
            f"{refusal.why.format(host=host)}; {refusal.fix}",
            method=method,
        )
        self.origin = origin
        self.refusal = refusal


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _origin(exc: BaseException) -> tuple[str, str]:
    """(origin, host) of the request that failed; never its path."""
    try:
        url = exc.request.url if isinstance(exc, httpx2.RequestError) else None
    except RuntimeError:  # an exception raised outside a request carries none
        url = None
    if url is None:
        return "the portal", "the portal's host name"
    port = f":{url.port}" if url.port else ""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{url.scheme}://{host}{port}", url.host


def connect_failure(exc: BaseException, method: str) -> Bitrix24Error:
    """The error for a request that never left: `CertificateError` or `ConnectFailedError`."""
    chain = _chain(exc)
    origin, host = _origin(exc)
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return CertificateError(origin, host, _refusal(cause), method=method)
    for cause in chain:
        if isinstance(cause, ssl.SSLError):
            return ConnectFailedError(
                f"could not connect to {origin}: the TLS handshake failed "
                f"({cause.reason or type(cause).__name__}); check that the portal address "
                "starts with the scheme the portal serves (https:// or http://)",
                method=method,
            )
    return ConnectFailedError(
        f"could not connect to the portal ({type(exc).__name__})", method=method
    )
