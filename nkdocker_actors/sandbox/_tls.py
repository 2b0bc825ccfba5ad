"""Certificates for a sandbox's verified-TLS port, made with openssl."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from ._common import _run

_OPENSSL_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = nkdocker-sandbox
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost{extra_sans}
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
"""


def _make_certs(base: Path, address: str = "127.0.0.1") -> None:
    """CA (base/tls-ca), server pair (base/tls-server), client pair (base/certs);
    the server's certificate names 127.0.0.1, localhost and ``address``."""
    ca_dir, server_dir, client_dir = base / "tls-ca", base / "tls-server", base / "certs"
    for d in (ca_dir, server_dir, client_dir):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(mode=0o700, parents=True)
    cnf = ca_dir / "openssl.cnf"
    extra = f",IP:{address}" if address != "127.0.0.1" else ""
    cnf.write_text(_OPENSSL_CNF.format(extra_sans=extra))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca_key, ca_cert = ca_dir / "ca-key.pem", ca_dir / "ca.pem"
    _run(["openssl", "req", "-x509", *ec, "-config", str(cnf), "-extensions", "ca",
          "-subj", "/CN=nkdocker sandbox CA", "-days", "3650", "-sha256",
          "-keyout", str(ca_key), "-out", str(ca_cert)])  # fmt: skip
    for d, cn, ext in ((server_dir, "localhost", "server"), (client_dir, "client", "client")):
        key, csr, cert = d / "key.pem", d / "req.csr", d / "cert.pem"
        _run(["openssl", "req", "-new", *ec, "-config", str(cnf), "-subj", f"/CN={cn}",
              "-keyout", str(key), "-out", str(csr)])  # fmt: skip
        _run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert),
              "-CAkey", str(ca_key), "-set_serial", str(random.getrandbits(63)),
              "-days", "3650", "-sha256", "-extfile", str(cnf), "-extensions", ext,
              "-out", str(cert)])  # fmt: skip
        csr.unlink()
        key.chmod(0o600)
        shutil.copy(ca_cert, d / "ca.pem")
