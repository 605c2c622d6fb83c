"""The local CA behind ``mimeo serve --tls-self-signed``: what it signs, and that it is kept."""

from __future__ import annotations

import datetime
import ssl
import stat
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path

import pytest
from cryptography import x509

from mimeo.cli.tls import (
    SERVER_DAYS,
    TlsError,
    TlsFiles,
    ensure_local_ca,
    issue_server_certificate,
    new_ca,
    server_tls,
)
from mimeo.settings import Settings

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def test_the_server_certificate_names_the_loopback_addresses() -> None:
    ca_key, ca_cert = new_ca("test CA", NOW)
    _key, cert = issue_server_certificate(ca_key, ca_cert, NOW)

    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [
        IPv4Address("127.0.0.1"),
        IPv6Address("::1"),
    ]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_the_ca_signs_the_server_certificate() -> None:
    ca_key, ca_cert = new_ca("test CA", NOW)
    _key, cert = issue_server_certificate(ca_key, ca_cert, NOW)

    cert.verify_directly_issued_by(ca_cert)
    assert cert.issuer == ca_cert.subject
    assert ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_the_ca_may_only_sign_loopback_names() -> None:
    _ca_key, ca_cert = new_ca("test CA", NOW)

    constraints = ca_cert.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    permitted = constraints.value.permitted_subtrees
    assert permitted is not None
    assert x509.DNSName("localhost") in permitted
    assert {str(n.value) for n in permitted if isinstance(n, x509.IPAddress)} == {
        "127.0.0.0/8",
        "::1/128",
    }


def test_files_are_made_once_keys_private(tmp_path: Path) -> None:
    first = ensure_local_ca(tmp_path / "tls", NOW)
    written = {p.name: p.read_bytes() for p in (tmp_path / "tls").iterdir()}

    again = ensure_local_ca(tmp_path / "tls", NOW + datetime.timedelta(days=1))

    assert again == first
    assert {p.name: p.read_bytes() for p in (tmp_path / "tls").iterdir()} == written
    assert sorted(written) == ["ca-key.pem", "ca.pem", "server-key.pem", "server.pem"]
    for key in ("ca-key.pem", "server-key.pem"):
        assert stat.S_IMODE((tmp_path / "tls" / key).stat().st_mode) == 0o600


def test_a_server_certificate_near_its_end_is_reissued_by_the_same_ca(tmp_path: Path) -> None:
    files = ensure_local_ca(tmp_path, NOW)
    assert files.ca_file is not None
    ca_before = files.ca_file.read_bytes()
    server_before = files.certfile.read_bytes()

    ensure_local_ca(tmp_path, NOW + datetime.timedelta(days=SERVER_DAYS - 10))

    assert files.ca_file.read_bytes() == ca_before
    assert files.certfile.read_bytes() != server_before
    ca = x509.load_pem_x509_certificate(ca_before)
    x509.load_pem_x509_certificate(files.certfile.read_bytes()).verify_directly_issued_by(ca)


def test_python_ssl_accepts_the_pair_for_a_loopback_name(tmp_path: Path) -> None:
    """The same check httpx makes: chain to the CA, host name in the SANs, name constraints."""
    files = ensure_local_ca(tmp_path, datetime.datetime.now(datetime.UTC))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(files.certfile, files.keyfile)
    client = files.client_context()

    for host in ("localhost", "127.0.0.1", "::1"):
        assert _handshake(server, client, host)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(server, client, "example.com")


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext, host: str) -> bool:
    """A TLS handshake through memory BIOs: no sockets, no threads."""
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_end = server.wrap_bio(to_server, to_client, server_side=True)
    from_server, from_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    client_end = client.wrap_bio(from_server, from_client, server_hostname=host)
    done = {"client": False, "server": False}
    for _ in range(10):
        for name, end in (("client", client_end), ("server", server_end)):
            if not done[name]:
                try:
                    end.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        to_server.write(from_client.read())
        from_server.write(to_client.read())
        if all(done.values()):
            return True
    return False


def test_the_operators_pair_is_checked_at_start(tmp_path: Path) -> None:
    files = ensure_local_ca(tmp_path, NOW)
    settings = Settings(data_dir=tmp_path, tls_cert=files.certfile, tls_key=files.ca_file)

    with pytest.raises(TlsError, match="cannot serve"):
        server_tls(settings, "127.0.0.1")


@pytest.mark.parametrize(
    ("settings", "host", "message"),
    [
        (Settings(tls_cert=Path("cert.pem")), "127.0.0.1", "go together"),
        (Settings(tls_self_signed=True, tls_key=Path("k.pem")), "127.0.0.1", "not both"),
        (Settings(tls_self_signed=True), "192.0.2.7", "--tls-cert/--tls-key for 192.0.2.7"),
    ],
)
def test_settings_that_cannot_work_are_refused(settings: Settings, host: str, message: str) -> None:
    with pytest.raises(TlsError, match=message):
        server_tls(settings, host)


def test_no_tls_settings_means_plain_http(tmp_path: Path) -> None:
    assert server_tls(Settings(data_dir=tmp_path), "127.0.0.1") is None


def test_the_operators_certificate_is_pinned_for_the_own_push(tmp_path: Path) -> None:
    """A certificate for a public name still lets mimeo push its examples over loopback."""
    made = ensure_local_ca(tmp_path, datetime.datetime.now(datetime.UTC))
    given = TlsFiles(made.certfile, made.keyfile)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(given.certfile, given.keyfile)

    assert _handshake(server, given.client_context(), "mimeo.example.com")
