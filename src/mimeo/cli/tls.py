"""HTTPS for ``mimeo serve``: the operator's certificate, or a small local CA made once.

Why serve TLS on loopback at all: the official Python client wraps an output string as a
``FileOutput`` only when it starts with ``https:``, so file outputs behave as they do against
replicate.com only when mimeo speaks HTTPS.

Why a CA and not one self-signed certificate: a client is told once to trust the CA
(``SSL_CERT_FILE``) and keeps trusting the server certificate it signs when that is re-issued.
The CA may sign only loopback names (an X.509 name constraint), so trusting it, or its key
leaking from the data dir, cannot vouch for any other site.
"""

from __future__ import annotations

import datetime
import os
import socket
import ssl
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from pathlib import Path

import structlog
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mimeo.settings import Settings

log = structlog.get_logger()
CA_DAYS = 3650
SERVER_DAYS = 397
"""Short enough for every client's limit on a server certificate's lifetime (Apple's is 398)."""
RENEW_BEFORE_DAYS = 30
LOOPBACK_NAMES: tuple[x509.GeneralName, ...] = (
    x509.DNSName("localhost"),
    x509.IPAddress(IPv4Address("127.0.0.1")),
    x509.IPAddress(IPv6Address("::1")),
)
SELF_SIGNED_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::"})
"""Listen addresses a client can reach under one of the loopback names."""


class TlsError(Exception):
    """TLS settings that cannot work; the message says which and what to do."""


@dataclass(frozen=True)
class TlsFiles:
    """What uvicorn serves, and the CA a client must be told to trust (``None`` when the
    certificate is the operator's, who knows how their clients trust it)."""

    certfile: Path
    keyfile: Path
    ca_file: Path | None = None

    def client_context(self) -> ssl.SSLContext:
        """How mimeo's own client (the example push at start) trusts the server it started.

        With the local CA it checks exactly as a user's client does. With the operator's
        certificate it pins that certificate and skips the host name: the push goes to a
        loopback address, which a certificate for a public name does not cover.
        """
        if self.ca_file is not None:
            return ssl.create_default_context(cafile=self.ca_file)
        leaf = x509.load_pem_x509_certificate(self.certfile.read_bytes())
        context = ssl.create_default_context(
            cadata=leaf.public_bytes(serialization.Encoding.PEM).decode()
        )
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        context.check_hostname = False
        return context


def server_tls(settings: Settings, host: str) -> TlsFiles | None:
    """The certificate to serve, from the settings; ``None`` serves plain HTTP."""
    given = (settings.tls_cert, settings.tls_key)
    if settings.tls_self_signed:
        if any(given):
            raise TlsError("use either --tls-self-signed or --tls-cert/--tls-key, not both")
        if host not in SELF_SIGNED_HOSTS:
            raise TlsError(
                "--tls-self-signed makes a certificate for localhost, 127.0.0.1 and ::1 only; "
                f"listen on one of those (or 0.0.0.0), or pass --tls-cert/--tls-key for {host}"
            )
        return ensure_local_ca(settings.data_dir.resolve() / "tls")
    if settings.tls_cert is None and settings.tls_key is None:
        return None
    if settings.tls_cert is None or settings.tls_key is None:
        raise TlsError("--tls-cert and --tls-key go together")
    files = TlsFiles(settings.tls_cert.resolve(), settings.tls_key.resolve())
    _check_pair(files)
    return files


def _check_pair(files: TlsFiles) -> None:
    """Fail at the CLI with the reason rather than deep inside uvicorn's start-up."""

    def no_password() -> bytes:
        raise TlsError(f"{files.keyfile} is encrypted; give mimeo an unencrypted key")

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            files.certfile, files.keyfile, password=no_password
        )
    except (OSError, ssl.SSLError) as error:
        raise TlsError(f"cannot serve {files.certfile} with {files.keyfile}: {error}") from error


def ensure_local_ca(directory: Path, now: datetime.datetime | None = None) -> TlsFiles:
    """The local CA and its server certificate in ``directory``, made or renewed as needed.

    The CA is kept as long as it is valid, so a client told to trust it once keeps working;
    the server certificate is re-issued when missing, near its end or not from this CA.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    ca_file, ca_key_file = directory / "ca.pem", directory / "ca-key.pem"
    files = TlsFiles(directory / "server.pem", directory / "server-key.pem", ca_file)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    loaded = _load_pair(ca_file, ca_key_file)
    if loaded is None or _renewal_due(loaded[1], now):
        ca_key, ca_cert = new_ca(f"mimeo local CA ({socket.gethostname()})", now)
        _write(ca_key_file, _key_pem(ca_key), 0o600)
        _write(ca_file, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
        log.info("tls.ca_created", path=str(ca_file))
    else:
        ca_key, ca_cert = loaded

    server = _load_pair(files.certfile, files.keyfile)
    if server is None or _renewal_due(server[1], now) or not _issued_by(server[1], ca_cert):
        key, cert = issue_server_certificate(ca_key, ca_cert, now)
        _write(files.keyfile, _key_pem(key), 0o600)
        _write(files.certfile, cert.public_bytes(serialization.Encoding.PEM), 0o644)
        log.info("tls.certificate_issued", path=str(files.certfile))
    return files


def new_ca(
    common_name: str, now: datetime.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A CA that may sign certificates for loopback names and nothing else."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mimeo"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    loopback = [
        x509.DNSName("localhost"),
        x509.IPAddress(IPv4Network("127.0.0.0/8")),
        x509.IPAddress(IPv6Network("::1/128")),
    ]
    cert = (
        _builder(name, name, key.public_key(), now, CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.NameConstraints(loopback, None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_server_certificate(
    ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, now: datetime.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A server certificate for ``localhost``, ``127.0.0.1`` and ``::1``, signed by the CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mimeo"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        _builder(subject, ca_cert.subject, key.public_key(), now, SERVER_DAYS)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(list(LOOPBACK_NAMES)), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: datetime.datetime,
    days: int,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _load_pair(
    cert_file: Path, key_file: Path
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None:
    """A certificate and its key as written by this module; ``None`` when absent or unusable."""
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    return key, cert


def _renewal_due(cert: x509.Certificate, now: datetime.datetime) -> bool:
    return cert.not_valid_after_utc - now < datetime.timedelta(days=RENEW_BEFORE_DAYS)


def _issued_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write whole or not at all, with ``mode`` from the first byte (a key is never readable
    by others, not even briefly)."""
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.fchmod(descriptor, mode)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
