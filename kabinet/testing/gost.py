"""Qualified signatures made by an implementation independent of the portal's: OpenSSL with the GOST
engine (Debian's `libengine-gost-openssl`, installed by .ci/run). A key pair and a self-signed
certificate with the fields of a Russian qualified certificate (ИНН, ИНН ЮЛ, ОГРН, СНИЛС) are made in a
temporary folder; `sign` makes a detached CAdES-BES `.sig` of some bytes as CryptoPro would.

Without the engine the tests fail (never skip) and say what to install."""

from __future__ import annotations

import shutil
import subprocess  # nosec B404
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "libengine-gost-openssl"

# OpenSSL knows INN, OGRN and SNILS by name; ИНН ЮЛ (1.2.643.100.4) is given one here.
CONFIG = """\
oid_section = kabinet_oids

[ kabinet_oids ]
INNLE = 1.2.643.100.4

[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes

[ req_dn ]
"""

OWNER = {
    "CN": "ООО «Ромашка»",
    "SN": "Иванов",
    "GN": "Иван Иванович",
    "title": "Генеральный директор",
    "O": "ООО «Ромашка»",
    "C": "RU",
    "L": "Москва",
    "INN": "007707083893",
    "INNLE": "7707083893",
    "OGRN": "1027700132195",
    "SNILS": "11223344595",
}


def _binary() -> str:
    found = shutil.which("openssl")
    if found is None:
        pytest.fail(f"openssl is missing: `apt-get install -y openssl {PACKAGE}`", pytrace=False)
    return found


def _openssl(*args: str) -> bytes:
    done = subprocess.run([_binary(), *args], capture_output=True, check=False)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args[:2])} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def require_engine() -> None:
    """Fail the test, plainly, when OpenSSL has no GOST engine."""
    command = [_binary(), "engine", "gost", "-c"]
    done = subprocess.run(command, capture_output=True, check=False)  # noqa: S603  # nosec B603
    if done.returncode != 0 or b"gost2012_256" not in done.stdout:
        pytest.fail(
            f"OpenSSL's GOST engine is missing: `apt-get install -y {PACKAGE}` (.ci/run installs it). "
            f"openssl said: {done.stderr.decode(errors='replace').strip()}",
            pytrace=False,
        )


@dataclass
class GostSigner:
    """A GOST R 34.10-2012 key and its self-signed certificate, made by OpenSSL in `folder`."""

    folder: Path
    key: Path
    cert: Path
    digest: str

    @classmethod
    def make(
        cls,
        folder: Path,
        *,
        bits: int = 256,
        paramset: str = "A",
        owner: dict[str, str] | None = None,
        serial: int = 4242,
        days: int = 365,
    ) -> GostSigner:
        require_engine()
        folder.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex[:8]
        key, cert, config = folder / f"{name}.key", folder / f"{name}.crt", folder / "openssl.cnf"
        config.write_text(CONFIG, encoding="utf-8")
        algorithm = f"gost2012_{bits}"
        _openssl(
            "genpkey", "-engine", "gost", "-algorithm", algorithm, "-pkeyopt", f"paramset:{paramset}", "-out", str(key)
        )
        subject = "".join(f"/{k}={v}" for k, v in (owner or OWNER).items())
        _openssl(
            "req", "-engine", "gost", "-config", str(config), "-x509", "-new", "-utf8",
            "-key", str(key), "-subj", subject, "-days", str(days), "-set_serial", str(serial),
            f"-md_gost12_{bits}", "-out", str(cert),
        )  # fmt: skip
        return cls(folder=folder, key=key, cert=cert, digest=f"md_gost12_{bits}")

    def certificate_der(self) -> bytes:
        return _openssl("x509", "-in", str(self.cert), "-outform", "DER")

    def sign(self, content: bytes, *, pem: bool = False) -> bytes:
        """A detached CAdES-BES signature of `content` (DER, or PEM as CryptoPro's «BASE64»)."""
        source = self.folder / f"{uuid.uuid4().hex[:8]}.bin"
        source.write_bytes(content)
        return _openssl(
            "cms", "-sign", "-engine", "gost", "-binary", "-in", str(source), "-signer", str(self.cert),
            "-inkey", str(self.key), "-md", self.digest, "-outform", "PEM" if pem else "DER",
        )  # fmt: skip


def rsa_signature(folder: Path, content: bytes) -> bytes:
    """A detached CMS signature of `content` with an RSA key and SHA-256 (not a GOST signature)."""
    folder.mkdir(parents=True, exist_ok=True)
    key, cert, source = folder / "rsa.key", folder / "rsa.crt", folder / "rsa.bin"
    source.write_bytes(content)
    _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(key))
    _openssl("req", "-x509", "-new", "-key", str(key), "-subj", "/CN=RSA", "-days", "30", "-out", str(cert))
    return _openssl(
        "cms", "-sign", "-binary", "-in", str(source), "-signer", str(cert), "-inkey", str(key),
        "-md", "sha256", "-outform", "DER",
    )  # fmt: skip
