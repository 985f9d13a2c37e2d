"""The chair's signing key: the passphrase kept secret, the key loaded once, who may sign.

A key is named by :class:`SignConfig` and loaded by :func:`load_signer` (once per process, so a
wrong passphrase fails before any case is rendered). The passphrase travels as a
:class:`Secret` whose ``repr`` hides it; other key stores (PKCS#11 smart cards and HSMs) plug
in through the :class:`Signer` protocol. :func:`names_match` decides whether a certificate
names the chair. Signing itself is :mod:`cpcdocs.sign`'s job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from . import caches
from .errors import CpcdocsError, ExitStatus

__all__ = [
    "PASSPHRASE_ENV",
    "Pkcs12Signer",
    "Secret",
    "SignConfig",
    "Signer",
    "common_name",
    "key_error",
    "load_signer",
    "names_match",
    "pyhanko_quiet",
    "register_oids",
]

#: Where ``render --sign-key`` looks for the passphrase before prompting.
PASSPHRASE_ENV = "CPCDOCS_SIGN_PASSPHRASE"


# Signed attributes, algorithm identifiers and DER framing around the certificates.
_CMS_OVERHEAD = 4 * 1024


def register_oids() -> None:
    """Import pyHanko before any asn1crypto object is made.

    asn1crypto turns OID names into numbers with a table it builds on first use; pyHanko (and
    ``asn1crypto.tsp``) add names to those tables when imported. Parsing the PKCS#12 file
    first would freeze the tables without them, and B-T signing would then fail on a name
    such as ``tst_info``.
    """
    pyhanko_quiet()
    import asn1crypto.tsp  # noqa: F401
    import pyhanko.sign.signers  # noqa: F401


def pyhanko_quiet() -> None:
    """Silence pyHanko's log warnings (no revocation data, ...): our report covers them.

    Without a handler, Python would print them on stderr in the middle of our plain words.
    """
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())
            logger.propagate = False


# -- keys -----------------------------------------------------------------------------------


class Secret:
    """A passphrase that does not show itself: ``repr`` and ``str`` print asterisks.

    Options objects end up in tracebacks (``--debug``), log lines and batch task reprs; the
    passphrase must not ride along into any of them.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | bytes) -> None:
        self._value = value.encode("utf-8") if isinstance(value, str) else bytes(value)

    def reveal(self) -> bytes:
        """The passphrase itself, for the one call that decrypts the key."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(hashlib.sha256(self._value).digest())

    def __reduce__(self) -> tuple[Any, ...]:  # batch workers receive options by pickling
        return (Secret, (self._value,))


@dataclass(frozen=True)
class SignConfig:
    """How to sign outline plans: which key, its passphrase, and an optional timestamp server.

    ``key`` is a PKCS#12 file (``.p12``/``.pfx``). A ``pkcs11:`` URI is recognised and refused
    with directions (see README, "Signing keys on smart cards and HSMs").
    """

    key: str
    passphrase: Secret = field(repr=False, compare=False)
    tsa_url: str | None = None

    def key_fingerprint(self) -> str:
        """SHA-256 of the key file, recorded in the pack fingerprint (not the passphrase).

        A batch that skips unchanged packs must not skip a pack first rendered unsigned, or
        signed with another key.
        """
        try:
            return hashlib.sha256(Path(self.key).read_bytes()).hexdigest()
        except OSError:
            return hashlib.sha256(self.key.encode("utf-8")).hexdigest()


@runtime_checkable
class Signer(Protocol):
    """What cpcdocs needs from a signing key, wherever the key lives.

    :class:`Pkcs12Signer` is the built-in implementation. A PKCS#11 one (smart card, HSM)
    wraps ``pyhanko.sign.pkcs11.PKCS11Signer`` behind the same four members.
    """

    @property
    def common_name(self) -> str:
        """The certificate subject's common name: who the signature says signed."""
        ...

    @property
    def not_valid_after(self) -> dt.datetime:
        """When the certificate expires."""
        ...

    def pyhanko_signer(self) -> Any:
        """The ``pyhanko.sign.signers.Signer`` that makes the CMS signature."""
        ...

    def signature_size(self) -> int:
        """An upper bound on the DER size of the CMS signature, without a timestamp."""
        ...


def key_error(path: str, what: str) -> CpcdocsError:
    """A problem with a key or certificate file: exit status 2, naming the file."""
    return CpcdocsError(f"{path}: {what}", ExitStatus.INVALID_INPUT)


def common_name(subject: Any) -> str:
    """``CN`` of an asn1crypto name, else its organisation, else the whole name."""
    native = subject.native
    for key in ("common_name", "organization_name"):
        value = native.get(key)
        if value:
            return str(value[-1] if isinstance(value, list) else value)
    return str(subject.human_friendly)


class Pkcs12Signer:
    """A signing key and certificate chain read from a PKCS#12 file."""

    def __init__(self, certificate: Any, private_key: Any, chain: Sequence[Any]) -> None:
        """From asn1crypto objects: the signer's certificate, its key and the other certs."""
        self._certificate = certificate
        self._private_key = private_key
        self._chain = tuple(chain)
        self._signer: Any = None

    @classmethod
    def from_file(cls, path: str | Path, passphrase: Secret) -> Pkcs12Signer:
        """Read and decrypt a ``.p12``/``.pfx`` file.

        Every failure is one line naming the file: unreadable, not PKCS#12, wrong passphrase,
        no key, no certificate. The passphrase is never part of a message.
        """
        register_oids()
        from asn1crypto import keys as asn1_keys
        from asn1crypto import pkcs12 as asn1_pkcs12
        from asn1crypto import x509 as asn1_x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import pkcs12

        name = str(path)
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise key_error(name, "the signing key file does not exist") from None
        except IsADirectoryError:
            raise key_error(name, "the signing key is a folder, not a .p12 file") from None
        except OSError as err:
            raise key_error(name, f"cannot read the signing key: {err.strerror}") from None
        try:  # structure first, so that a wrong passphrase is told apart from a wrong file
            asn1_pkcs12.Pfx.load(data)["auth_safe"]["content"].native  # noqa: B018
        except Exception:
            raise key_error(name, "is not a PKCS#12 (.p12/.pfx) signing key") from None
        secret = passphrase.reveal()
        loaded = None
        for attempt in (secret, None) if not secret else (secret,):
            try:
                loaded = pkcs12.load_key_and_certificates(data, attempt)
                break
            except (ValueError, TypeError):
                continue
        if loaded is None:
            raise key_error(name, "wrong passphrase for the signing key (it cannot be decrypted)")
        key, cert, others = loaded
        if key is None:
            raise key_error(name, "the PKCS#12 file holds no private key")
        if cert is None:
            raise key_error(name, "the PKCS#12 file holds no certificate for its key")
        der_key = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(
            asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            asn1_keys.PrivateKeyInfo.load(der_key),
            [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in others
            ],
        )

    @property
    def common_name(self) -> str:
        """The certificate subject's common name."""
        return common_name(self._certificate.subject)

    @property
    def not_valid_after(self) -> dt.datetime:
        """When the certificate expires."""
        return self._certificate.not_valid_after  # type: ignore[no-any-return]

    @property
    def not_valid_before(self) -> dt.datetime:
        """When the certificate becomes valid."""
        return self._certificate.not_valid_before  # type: ignore[no-any-return]

    def pyhanko_signer(self) -> Any:
        """The in-memory pyHanko signer, built once."""
        if self._signer is None:
            pyhanko_quiet()
            from pyhanko.sign.signers import SimpleSigner
            from pyhanko_certvalidator.registry import SimpleCertificateStore

            self._signer = SimpleSigner(
                signing_cert=self._certificate,
                signing_key=self._private_key,
                cert_registry=SimpleCertificateStore.from_certs(self._chain),
            )
        return self._signer

    def signature_size(self) -> int:
        """Certificates embedded (pyHanko embeds the whole chain) plus signature and framing."""
        certs = sum(len(c.dump()) for c in (self._certificate, *self._chain))
        key_bytes: int = (self._private_key.bit_size + 7) // 8
        # ECDSA signatures are DER pairs of integers, a little over twice the key size.
        return certs + 2 * key_bytes + 16 + _CMS_OVERHEAD


_SIGNERS: dict[tuple[str, str], Signer] = caches.owned("signing_keys: loaded keys", {})


def load_signer(config: SignConfig) -> Signer:
    """The signer for ``config``, loaded once per process (a batch signs many plans).

    Cached by key file and a hash of file and passphrase, so a changed file or a different
    passphrase is loaded (and checked) again.
    """
    if config.key.startswith("pkcs11:"):
        msg = (
            f"{config.key}: PKCS#11 tokens are not built in; see the README section "
            "'Signing, archival PDF and accessibility' for how to add one"
        )
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    path = Path(config.key)
    try:
        data = path.read_bytes()
    except OSError:
        data = b""  # from_file reports the problem in words
    digest = hashlib.sha256(data + b"\0" + config.passphrase.reveal()).hexdigest()
    cache_key = (str(path.resolve()), digest)
    signer = _SIGNERS.get(cache_key)
    if signer is None:
        signer = _SIGNERS[cache_key] = Pkcs12Signer.from_file(path, config.passphrase)
    return signer


# -- who may sign ---------------------------------------------------------------------------

_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"})


def _name_words(name: str) -> frozenset[str]:
    """Words of a person's name, case and accents folded, titles and notes dropped."""
    name = re.sub(r"\(.*?\)", " ", name)  # "Grace Okafor (DEMO — NOT A REAL KEY)"
    folded = unicodedata.normalize("NFKD", name).casefold()
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return frozenset(w for w in re.findall(r"[^\W\d_]+", plain) if w not in _HONORIFICS)


def names_match(certificate_name: str, person_name: str) -> bool:
    """Whether a certificate's name and a person's name are the same person's.

    Lenient about order ("Okafor, Grace"), titles, accents and middle names (either name may
    hold words the other lacks), strict about everything else.
    """
    cert, person = _name_words(certificate_name), _name_words(person_name)
    return bool(cert) and bool(person) and (cert <= person or person <= cert)
