"""Lab PKI: a self-signed CA, a server certificate for 127.0.0.1/localhost, and a client certificate.

Files written to the cert directory: ``ca.pem`` (trust this), ``ca.key``, ``server.pem``, ``server.key``,
``client.pem``, ``client.key``. The client certificate's CN is the principal identity it authenticates as.
Existing files are reused so a restarted simulator keeps the same trust anchor.
"""

import datetime
import ipaddress
import os
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_CLIENT_CN = "ncp-k8s-01"
FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "client.pem", "client.key")


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nsxsim lab"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _issue(subject, key, issuer, issuer_key, *, ca=False, server=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Issued a day ago, as a real manager's certificate was: a master whose clock is minutes behind (the
        # preflight's clock-skew case) must see a valid certificate, not one from its future.
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    if server:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def ensure_certs(certdir, client_cn=DEFAULT_CLIENT_CN):
    """Create the lab PKI in ``certdir`` unless it is already there; returns {file name: path}."""
    os.makedirs(certdir, exist_ok=True)
    paths = {name: os.path.join(certdir, name) for name in FILES}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue("nsxsim lab CA", ca_key, "nsxsim lab CA", ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _issue("localhost", server_key, "nsxsim lab CA", ca_key, server=True)
    client_key = ec.generate_private_key(ec.SECP256R1())
    client_cert = _issue(client_cn, client_key, "nsxsim lab CA", ca_key)
    contents = {
        "ca.pem": ca_cert.public_bytes(serialization.Encoding.PEM),
        "ca.key": _key_pem(ca_key),
        "server.pem": server_cert.public_bytes(serialization.Encoding.PEM),
        "server.key": _key_pem(server_key),
        "client.pem": client_cert.public_bytes(serialization.Encoding.PEM),
        "client.key": _key_pem(client_key),
    }
    for name, data in contents.items():
        with open(paths[name], "wb") as handle:
            handle.write(data)
        if name.endswith(".key"):
            os.chmod(paths[name], 0o600)
    return paths


def server_context(paths):
    """TLS context that presents the server certificate and accepts (but does not require) lab client certificates."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths["server.pem"], paths["server.key"])
    context.load_verify_locations(paths["ca.pem"])
    context.verify_mode = ssl.CERT_OPTIONAL
    return context


def rotate_server_certificate(context, certdir):
    """Fault injection: a new CA and server certificate (same names) served from now on by ``context``.

    Clients that trust only the old ``ca.pem`` fail verification on their next handshake, as when NSX's
    certificate is replaced during a run. Files go to ``certdir/rotated-N/``; returns the new ``ca.pem`` path.
    """
    index = 1
    while os.path.exists(os.path.join(certdir, f"rotated-{index}")):
        index += 1
    target = os.path.join(certdir, f"rotated-{index}")
    os.makedirs(target)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue("nsxsim lab CA", ca_key, "nsxsim lab CA", ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _issue("localhost", server_key, "nsxsim lab CA", ca_key, server=True)
    paths = {name: os.path.join(target, name) for name in ("ca.pem", "server.pem", "server.key")}
    for name, data in (
        ("ca.pem", ca_cert.public_bytes(serialization.Encoding.PEM)),
        ("server.pem", server_cert.public_bytes(serialization.Encoding.PEM)),
        ("server.key", _key_pem(server_key)),
    ):
        with open(paths[name], "wb") as handle:
            handle.write(data)
    os.chmod(paths["server.key"], 0o600)
    context.load_cert_chain(paths["server.pem"], paths["server.key"])
    return paths["ca.pem"]
