"""TLS to the platform: verification on by default, a custom CA file from the
config, and an optional client certificate (mutual TLS), against the
reference platform served over HTTPS on 127.0.0.1."""

import datetime as dt
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.central import CentralClient, NeedsStaff, RetryLater
from simulators.platform.server import PlatformServer
from simulators.platform.testing import Terminal


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(subject, key, issuer, issuer_key, ca=False, server=False):
    now = dt.datetime.now(dt.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                            critical=False)
    if server:
        b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                            critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _write(folder, name, cert, key):
    (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    return folder / f"{name}.pem", folder / f"{name}.key"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _issue("District test CA", ca_key, "District test CA", ca_key, ca=True)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    return {"ca": _write(folder, "ca", ca, ca_key)[0],
            "server": _write(folder, "server", _issue("127.0.0.1", server_key, "District test CA", ca_key,
                                                      server=True), server_key),
            "client": _write(folder, "client", _issue("HUT-TEST-01", client_key, "District test CA", ca_key),
                             client_key)}


def _platform(tmp_path, pki, terminal, mutual):
    server = PlatformServer(tmp_path / "p.sqlite3", tls_cert=pki["server"][0], tls_key=pki["server"][1],
                            client_ca=pki["ca"] if mutual else None)
    server.start()
    server.store.add_terminal(terminal.id, terminal.key.hex())
    return server


def test_an_unknown_ca_is_refused_by_default(tmp_path, pki):
    terminal = Terminal()
    server = _platform(tmp_path, pki, terminal, mutual=False)
    try:
        assert server.url.startswith("https://")
        with CentralClient(server.url, terminal.id, terminal.key) as default, pytest.raises(NeedsStaff) as info:
            default.heartbeat({}, {}, {})
        assert info.value.code == "TLS" and "ca_file" in str(info.value)
        with CentralClient(server.url, terminal.id, terminal.key, ca_file=pki["ca"]) as ok:
            assert ok.heartbeat({}, {}, {})["terminal_id"] == terminal.id
    finally:
        server.stop()


def test_client_certificate_for_mutual_tls(tmp_path, pki):
    terminal = Terminal()
    server = _platform(tmp_path, pki, terminal, mutual=True)
    try:
        with CentralClient(server.url, terminal.id, terminal.key, ca_file=pki["ca"]) as without, \
                pytest.raises((NeedsStaff, RetryLater)):
            without.heartbeat({}, {}, {})
        with CentralClient(server.url, terminal.id, terminal.key, ca_file=pki["ca"],
                           client_cert=pki["client"][0], client_key=pki["client"][1]) as with_cert:
            assert with_cert.heartbeat({}, {}, {})["terminal_id"] == terminal.id
    finally:
        server.stop()
