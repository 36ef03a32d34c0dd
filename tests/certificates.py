"""Throwaway TLS certificates for tests, made by the openssl command in a test's own directory."""

import subprocess
from dataclasses import dataclass
from pathlib import Path

_EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-noenc"]
_LEAF_EXTENSIONS = """\
subjectAltName = IP:127.0.0.1
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path  # for 127.0.0.1, signed by the CA; serves a broker or a client alike
    key: Path


def make_certificates(directory: Path) -> Certificates:
    """A CA, and a certificate with its key for 127.0.0.1 signed by it, valid for two days."""
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = directory / "ca.pem", directory / "ca.key"
    cert, key, request = directory / "cert.pem", directory / "cert.key", directory / "cert.csr"
    extensions = directory / "cert.ext"
    extensions.write_text(_LEAF_EXTENSIONS)
    _openssl("req", "-x509", *_EC_KEY, "-keyout", ca_key, "-out", ca, "-days", "2",
             "-subj", "/CN=pathfinder test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    _openssl("req", "-new", *_EC_KEY, "-keyout", key, "-out", request, "-subj", "/CN=127.0.0.1")
    _openssl("x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-set_serial", "2",
             "-days", "2", "-extfile", extensions, "-out", cert)  # fmt: skip
    return Certificates(ca, cert, key)


def _openssl(*arguments: str | Path) -> None:
    subprocess.run(["openssl", *map(str, arguments)], check=True, capture_output=True)
