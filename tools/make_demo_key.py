"""Make a throwaway signing key for the demo: `python tools/make_demo_key.py OUTDIR`.

Writes, into OUTDIR only:

  chair-okafor.p12   the fictional chair's key and self-signed certificate (PKCS#12)
  chair-okafor.pem   the certificate alone, to pass to `cpcdocs verify --trust`

The certificate says DEMO — NOT A REAL KEY in its name, so every plan signed with it says so
in its signature block. The passphrase is printed and is no secret. Nothing here is ever
committed: `make demo` writes into out/, which git ignores. An existing key in OUTDIR is kept
(plans signed earlier still verify against its certificate); pass --force for a new one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

#: Printed on every run; a demo key's passphrase is for convenience, not secrecy.
DEMO_PASSPHRASE = "northmoor-demo-not-secret"
STEM = "chair-okafor"


def demo_subject() -> x509.Name:
    """Grace Okafor, Conference Chair, Northmoor Borough Council — marked as a demo."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Northmoor Borough Council"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "DEMO — NOT A REAL KEY"),
            x509.NameAttribute(NameOID.TITLE, "Conference Chair"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Grace Okafor (DEMO — NOT A REAL KEY)"),
        ]
    )


def make_demo_key(out_dir: Path, passphrase: str = DEMO_PASSPHRASE) -> tuple[Path, Path]:
    """Write the PKCS#12 file and the certificate; return their paths."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    subject = demo_subject()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what a signed plan asserts
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    p12 = out_dir / f"{STEM}.p12"
    pem = out_dir / f"{STEM}.pem"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"Grace Okafor (DEMO)",
            key,
            cert,
            None,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    p12.chmod(0o600)
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return p12, pem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", metavar="OUTDIR", type=Path)
    parser.add_argument("--force", action="store_true", help="replace an existing demo key")
    args = parser.parse_args(argv)
    p12, pem = args.out_dir / f"{STEM}.p12", args.out_dir / f"{STEM}.pem"
    if args.force or not (p12.is_file() and pem.is_file()):
        p12, pem = make_demo_key(args.out_dir)
        print(f"wrote {p12} and {pem}")
    else:
        print(f"kept {p12} and {pem} (--force for a new key)")
    print(f"DEMO key, NOT A REAL KEY. Passphrase: {DEMO_PASSPHRASE}")
    env = f"CPCDOCS_SIGN_PASSPHRASE={DEMO_PASSPHRASE}"
    print(f"Sign:   {env} cpcdocs render CASE -o out/ --sign-key {p12}")
    print(f"Verify: cpcdocs verify FILE.pdf --trust {pem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
