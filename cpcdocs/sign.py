"""Sign stage: the Conference Chair's signature on outline plans, and checking signatures.

The procedures say the outline plan is "signed by the Conference Chair" and sent to everyone
within one working day. A scanned signature image proves nothing, so every ``outline_plan`` PDF
also carries a PAdES baseline signature (B-B, or B-T with an RFC 3161 timestamp) made with the
chair's own key. :func:`plan_signer_for` loads the key once per process and refuses a key that
is not the chair's; :meth:`PlanSigner.sign` signs one rendered PDF; :func:`verify_pdf` checks
every signature in a file and says what it found in plain words.

Why it is shaped this way:

- **Incremental update only.** pyHanko appends the signature as a new revision and leaves the
  rendered bytes untouched, so a PDF/A declaration made by the renderer stays true. pyHanko
  would normally rewrite the XMP packet and the ``/Info`` producer on the way; we keep both as
  the renderer wrote them (see :func:`_writer`), because a rewritten packet can drop
  declarations pyHanko does not know about and leave ``/Info`` and XMP disagreeing.
- **No font in the widget.** PDF/A requires every font used to be embedded; pyHanko embeds
  fonts only through HarfBuzz, which cpcdocs does not otherwise need. The visible signature
  block draws the letters of the pack's own typeface (Liberation Sans) as vector outlines
  instead, so the widget uses no font at all. Its text is also in the field's ``/TU`` entry
  and, in a tagged PDF, in a ``Form`` structure element, for assistive technology.
- **Signed once.** ``bytes_reserved`` is worked out from the certificates we embed, so pyHanko
  does not make a throwaway signature (and, with ``--tsa``, a throwaway timestamp request) to
  measure one.
- **Signed plans are not byte-identical between runs.** A signature records when it was made;
  pretending otherwise would defeat its purpose. Everything else in a pack stays reproducible.
- **Keys stay put.** The passphrase travels as a :class:`Secret` whose ``repr`` hides it, is
  read only from the environment or a hidden prompt, and is never printed or logged. Other
  key stores (PKCS#11 smart cards and HSMs) plug in through the :class:`Signer` protocol.

pyHanko costs most of a second to import, so it is imported only when a signature is made or
checked.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import io
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from . import __version__
from ._compat.pyhanko import metadata_keeping_writer, outline_stamp_style
from .errors import CpcdocsError, ExitStatus, RenderError

if TYPE_CHECKING:
    from .authority import Authority
    from .model import Case

__all__ = [
    "FIELD_NAME",
    "PASSPHRASE_ENV",
    "REASON",
    "SIGNATURE_ANCHOR",
    "FileCheck",
    "Pkcs12Signer",
    "PlanSigner",
    "Secret",
    "SignConfig",
    "SignatureCheck",
    "Signer",
    "load_signer",
    "load_trust_anchors",
    "plan_signer_for",
    "sign_pdf",
    "verify_pdf",
]

#: Where ``render --sign-key`` looks for the passphrase before prompting.
PASSPHRASE_ENV = "CPCDOCS_SIGN_PASSPHRASE"

#: The ``/Reason`` of every plan signature.
REASON = "Outline child protection plan signed by the Conference Chair"

#: The signature field's name (``/T``).
FIELD_NAME = "ChairSignature"

#: The id of the empty element in the plan's signature block that the widget covers. WeasyPrint
#: writes every element id as a named destination holding the page and top-left corner of the
#: element, which is how the widget finds the block without knowing the layout.
SIGNATURE_ANCHOR = "cpcdocs-signature"

#: Size of the widget, in millimetres: what a plan template reserves for that element.
FIELD_WIDTH_MM = 80.0
FIELD_HEIGHT_MM = 24.0

#: Without an anchor, the widget goes in the bottom right corner of the text area of the last
#: page (``letter.css``: 20 mm right margin, 26 mm bottom margin, page furniture below it).
#: The signature block is the last thing in the plan and its lines are short, so that corner
#: is either empty or beside the block.
FALLBACK_RIGHT_MM = 20.0
FALLBACK_BOTTOM_MM = 26.0

#: Role shown for the signer, as the procedures name it.
CHAIR_ROLE = "Conference Chair"

# An RFC 3161 token holds the TSA's certificate chain and a signature: 4 to 10 kB from the
# public services. Space is reserved for the worst of them so that signing is never retried.
_TIMESTAMP_ALLOWANCE = 16 * 1024
# Signed attributes, algorithm identifiers and DER framing around the certificates.
_CMS_OVERHEAD = 4 * 1024

_MM = 72 / 25.4
_LONDON = "Europe/London"
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


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


def _key_error(path: str, what: str) -> CpcdocsError:
    return CpcdocsError(f"{path}: {what}", ExitStatus.INVALID_INPUT)


def _common_name(subject: Any) -> str:
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
        _register_oids()
        from asn1crypto import keys as asn1_keys
        from asn1crypto import pkcs12 as asn1_pkcs12
        from asn1crypto import x509 as asn1_x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import pkcs12

        name = str(path)
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise _key_error(name, "the signing key file does not exist") from None
        except IsADirectoryError:
            raise _key_error(name, "the signing key is a folder, not a .p12 file") from None
        except OSError as err:
            raise _key_error(name, f"cannot read the signing key: {err.strerror}") from None
        try:  # structure first, so that a wrong passphrase is told apart from a wrong file
            asn1_pkcs12.Pfx.load(data)["auth_safe"]["content"].native  # noqa: B018
        except Exception:
            raise _key_error(name, "is not a PKCS#12 (.p12/.pfx) signing key") from None
        secret = passphrase.reveal()
        loaded = None
        for attempt in (secret, None) if not secret else (secret,):
            try:
                loaded = pkcs12.load_key_and_certificates(data, attempt)
                break
            except (ValueError, TypeError):
                continue
        if loaded is None:
            raise _key_error(name, "wrong passphrase for the signing key (it cannot be decrypted)")
        key, cert, others = loaded
        if key is None:
            raise _key_error(name, "the PKCS#12 file holds no private key")
        if cert is None:
            raise _key_error(name, "the PKCS#12 file holds no certificate for its key")
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
        return _common_name(self._certificate.subject)

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
            _pyhanko_quiet()
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
        key_bytes = (self._private_key.bit_size + 7) // 8
        # ECDSA signatures are DER pairs of integers, a little over twice the key size.
        return certs + 2 * key_bytes + 16 + _CMS_OVERHEAD


_SIGNERS: dict[tuple[str, str], Signer] = {}


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


# -- signing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSigner:
    """Signs outline plans for one pack: the chair's key, role and authority."""

    signer: Signer
    role: str
    location: str
    tsa_url: str | None = None

    def sign(self, pdf: bytes) -> bytes:
        """The plan with the chair's signature appended as an incremental update."""
        return sign_pdf(
            pdf, self.signer, role=self.role, location=self.location, tsa_url=self.tsa_url
        )


def plan_signer_for(config: SignConfig, case: Case, authority: Authority) -> PlanSigner:
    """The signer for a case's outline plans, refusing a key that is not the chair's.

    Checked before anything is rendered: a plan sent to a family "signed by the Conference
    Chair" with someone else's key cannot be called back, and an expired certificate makes
    every copy fail verification.
    """
    signer = load_signer(config)
    chair = case.chair
    if not names_match(signer.common_name, chair.name):
        msg = (
            f"{config.key}: the signing certificate is {signer.common_name!r}, but the chair of "
            f"{case.case.reference} is {chair.name!r}; outline plans must be signed with the "
            "chair's own key"
        )
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    now = dt.datetime.now(dt.UTC)
    if signer.not_valid_after < now:
        msg = f"{config.key}: the signing certificate expired on {signer.not_valid_after:%Y-%m-%d}"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    not_before = getattr(signer, "not_valid_before", None)
    if not_before is not None and not_before > now:
        msg = f"{config.key}: the signing certificate is not valid until {not_before:%Y-%m-%d}"
        raise CpcdocsError(msg, ExitStatus.INVALID_INPUT)
    return PlanSigner(signer, CHAIR_ROLE, authority.name, config.tsa_url)


def _register_oids() -> None:
    """Import pyHanko before any asn1crypto object is made.

    asn1crypto turns OID names into numbers with a table it builds on first use; pyHanko (and
    ``asn1crypto.tsp``) add names to those tables when imported. Parsing the PKCS#12 file
    first would freeze the tables without them, and B-T signing would then fail on a name
    such as ``tst_info``.
    """
    _pyhanko_quiet()
    import asn1crypto.tsp  # noqa: F401
    import pyhanko.sign.signers  # noqa: F401


def _pyhanko_quiet() -> None:
    """Silence pyHanko's log warnings (no revocation data, ...): our report covers them.

    Without a handler, Python would print them on stderr in the middle of our plain words.
    """
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())
            logger.propagate = False


def _writer(pdf: bytes) -> Any:
    """An incremental writer that leaves ``/Info`` and the XMP packet as the renderer wrote them.

    pyHanko's writer regenerates the XMP packet from what it understands and appends itself
    to ``/Info /Producer`` but not to XMP. Either would put a PDF/A (and PDF/UA) declaration
    at risk, and the signature gains nothing from them: the signing time is in the signature.
    Turning that off overrides a private pyHanko method: :mod:`cpcdocs._compat.pyhanko`.
    """
    return metadata_keeping_writer(pdf)


def sign_pdf(
    pdf: bytes,
    signer: Signer,
    *,
    role: str,
    location: str,
    tsa_url: str | None = None,
    reason: str = REASON,
) -> bytes:
    """``pdf`` with a visible PAdES signature by ``signer`` appended (B-T with ``tsa_url``).

    The widget covers the element with id :data:`SIGNATURE_ANCHOR` (the plan's signature
    block); without one, in the bottom right corner of the last page's text area.
    """
    _pyhanko_quiet()
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_byterange import BuildProps

    writer = _writer(pdf)
    page, box = signature_box(writer.prev)
    name = signer.common_name
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        app_build_props=BuildProps(name="cpcdocs", revision=__version__),
    )
    description = f"Digital signature of {name}, {role}, {location}"
    spec = fields.SigFieldSpec(
        sig_field_name=FIELD_NAME, on_page=page, box=box, readable_field_name=description
    )
    # The field is made first, in the same revision, so that a tagged PDF can take it into its
    # structure tree before pyHanko fills it with the signature.
    fields.append_signature_field(writer, spec)
    _tag_widget(writer, page, description)
    timestamper = None
    allowance = 0
    if tsa_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(tsa_url, timeout=30)
        allowance = _TIMESTAMP_ALLOWANCE
    pdf_signer = signers.PdfSigner(
        meta,
        signer.pyhanko_signer(),
        timestamper=timestamper,
        stamp_style=_stamp_style(role, location),
    )
    reserved = 2 * (signer.signature_size() + allowance)  # hex digits: two per byte
    try:
        out = pdf_signer.sign_pdf(
            writer,
            existing_fields_only=True,
            bytes_reserved=reserved,
            appearance_text_params={"signer_cn": name},
        )
    except Exception as err:
        if tsa_url and _is_network_error(err):
            msg = f"could not get a timestamp from {tsa_url}: {type(err).__name__}: {err}"
            raise RenderError(msg) from err
        raise
    return out.getvalue()  # type: ignore[no-any-return]


def _tag_widget(writer: Any, page: int, description: str) -> bool:
    """Put the signature widget in the structure tree of a tagged PDF; False if not tagged.

    Tagged PDF (and PDF/UA) wants every annotation in the structure tree: a ``Form`` element
    holding an object reference to the widget, the widget's ``/StructParent`` in the parent
    tree, and the page's tab order following the structure. A tree of a shape we do not expect
    is left alone: the signature matters more than its tag.
    """
    from pyhanko.pdf_utils import generic

    root = writer.root
    if "/StructTreeRoot" not in root:
        return False
    try:
        tree = root["/StructTreeRoot"]
        parent_tree = tree["/ParentTree"]
        nums = parent_tree["/Nums"]
        top = tree.raw_get("/K")
        if isinstance(top, generic.IndirectObject) and isinstance(
            top.get_object(), generic.ArrayObject
        ):
            top = top.get_object()
        if isinstance(top, generic.ArrayObject):
            top = top.raw_get(0)
        if not isinstance(top, generic.IndirectObject):
            return False
        parent = top.get_object()
        form_fields = root["/AcroForm"]["/Fields"]
        widget_ref = next(
            form_fields.raw_get(i)
            for i in range(len(form_fields))
            if form_fields[i].get("/T") == FIELD_NAME
        )
    except (KeyError, IndexError, TypeError, StopIteration):
        return False
    page_ref = writer.find_page_for_modification(page)[0]
    used = [int(nums[i]) for i in range(0, len(nums), 2)]
    key = max([*used, int(tree.get("/ParentTreeNextKey", 0)) - 1, -1]) + 1
    element = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/StructElem"),
            generic.pdf_name("/S"): generic.pdf_name("/Form"),
            generic.pdf_name("/P"): top,
            generic.pdf_name("/Pg"): page_ref,
            generic.pdf_name("/Alt"): generic.pdf_string(description),
            generic.pdf_name("/K"): generic.DictionaryObject(
                {
                    generic.pdf_name("/Type"): generic.pdf_name("/OBJR"),
                    generic.pdf_name("/Obj"): widget_ref,
                    generic.pdf_name("/Pg"): page_ref,
                }
            ),
        }
    )
    element_ref = writer.add_object(element)
    kids = parent.get("/K")
    if isinstance(kids, generic.ArrayObject):
        kids.append(element_ref)
    else:
        existing = [parent.raw_get("/K")] if "/K" in parent else []
        parent[generic.pdf_name("/K")] = generic.ArrayObject([*existing, element_ref])
    writer.mark_update(top)
    widget = widget_ref.get_object()
    widget[generic.pdf_name("/StructParent")] = generic.NumberObject(key)
    writer.mark_update(widget_ref)
    nums.append(generic.NumberObject(key))
    nums.append(element_ref)
    writer.update_container(nums)
    if "/ParentTreeNextKey" in tree:
        tree[generic.pdf_name("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
        writer.update_container(tree)
    page_obj = page_ref.get_object()
    page_obj[generic.pdf_name("/Tabs")] = generic.pdf_name("/S")
    writer.mark_update(page_ref)
    return True


def _is_network_error(err: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        module = type(current).__module__
        if module.startswith("aiohttp") or isinstance(current, OSError | TimeoutError):
            return True
        if "Timestamp" in type(current).__name__:
            return True
        current = current.__cause__ or current.__context__
    return False


# -- where the widget goes ------------------------------------------------------------------


def _page_refs(reader: Any) -> list[Any]:
    """Page references in document order (the page tree, walked)."""
    refs: list[Any] = []

    def walk(node: Any) -> None:
        kids = node["/Kids"]
        for i in range(len(kids)):
            ref = kids.raw_get(i)
            kid = ref.get_object()
            if kid.get("/Type") == "/Pages" or "/Kids" in kid:
                walk(kid)
            else:
                refs.append(ref)

    walk(reader.root["/Pages"])
    return refs


def _lookup_name_tree(node: Any, key: str, depth: int = 0) -> Any:
    """The value for ``key`` in a PDF name tree, or None."""
    if depth > 32:
        return None
    if "/Names" in node:
        names = node["/Names"]
        for i in range(0, len(names) - 1, 2):
            if str(names[i]) == key:
                return names[i + 1]
    if "/Kids" in node:
        for kid in node["/Kids"]:
            found = _lookup_name_tree(kid.get_object(), key, depth + 1)
            if found is not None:
                return found
    return None


def _named_destination(reader: Any, name: str) -> Any:
    root = reader.root
    dest = None
    try:
        dest = _lookup_name_tree(root["/Names"]["/Dests"], name)
    except (KeyError, TypeError):
        dest = None
    if dest is None:
        try:
            dest = root["/Dests"][f"/{name}"]
        except (KeyError, TypeError):
            return None
    dest = dest.get_object() if hasattr(dest, "get_object") else dest
    if hasattr(dest, "keys") and "/D" in dest:
        dest = dest["/D"]
    return dest


def _media_box(page: Any) -> tuple[float, float, float, float]:
    node = page
    for _ in range(32):
        if "/MediaBox" in node:
            x1, y1, x2, y2 = (float(v) for v in node["/MediaBox"])
            return x1, y1, x2, y2
        if "/Parent" not in node:
            break
        node = node["/Parent"]
    return 0.0, 0.0, 595.28, 841.89  # A4


def signature_box(reader: Any) -> tuple[int, tuple[int, int, int, int]]:
    """Page index and rectangle (points, lower-left/upper-right) for the signature widget."""
    pages = _page_refs(reader)
    width, height = FIELD_WIDTH_MM * _MM, FIELD_HEIGHT_MM * _MM
    dest = _named_destination(reader, SIGNATURE_ANCHOR)
    if dest is not None and len(dest) >= 4 and str(dest[1]) == "/XYZ":
        target = dest.raw_get(0)
        index = next(
            (i for i, ref in enumerate(pages) if getattr(target, "idnum", None) == ref.idnum),
            None,
        )
        if index is not None and dest[2] is not None and dest[3] is not None:
            left, top = float(dest[2]), float(dest[3])
            x1, y1, x2, y2 = _media_box(pages[index].get_object())
            if x1 <= left and left + width <= x2 + 1 and y1 <= top - height and top <= y2 + 1:
                return index, (round(left), round(top - height), round(left + width), round(top))
    last = len(pages) - 1
    x1, y1, x2, _y2 = _media_box(pages[last].get_object())
    right = x2 - FALLBACK_RIGHT_MM * _MM
    bottom = y1 + FALLBACK_BOTTOM_MM * _MM
    return last, (round(right - width), round(bottom), round(right), round(bottom + height))


# -- what the widget shows ------------------------------------------------------------------


def _fonts_dir() -> Path:
    from .authority import templates_root

    return templates_root() / "fonts"


@functools.lru_cache(maxsize=4)
def _font(bold: bool) -> Any:
    from fontTools.ttLib import TTFont

    name = "LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf"
    return TTFont(str(_fonts_dir() / name), lazy=True)


def _num(value: float, places: int = 2) -> bytes:
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode("ascii")


def _text_outline(text: str, bold: bool) -> tuple[list[bytes], float]:
    """PDF path operators drawing ``text`` in font units, and its advance width in em."""
    from fontTools.pens.basePen import BasePen

    font = _font(bold)
    cmap = font.getBestCmap()
    glyphs = font.getGlyphSet()
    metrics = font["hmtx"]
    upem = font["head"].unitsPerEm
    ops: list[bytes] = []

    def num(value: float) -> bytes:  # font units: 1/2048 em, finer than any printer
        return b"%d" % round(value)

    class Pen(BasePen):  # type: ignore[misc]
        offset = 0.0

        def _moveTo(self, pt: tuple[float, float]) -> None:
            ops.append(b"%s %s m" % (num(pt[0] + self.offset), num(pt[1])))

        def _lineTo(self, pt: tuple[float, float]) -> None:
            ops.append(b"%s %s l" % (num(pt[0] + self.offset), num(pt[1])))

        def _curveToOne(self, p1: Any, p2: Any, p3: Any) -> None:
            coords = (p1[0] + self.offset, p1[1], p2[0] + self.offset, p2[1])
            ops.append(b" ".join(num(v) for v in (*coords, p3[0] + self.offset, p3[1])) + b" c")

        def _closePath(self) -> None:
            ops.append(b"h")

    pen = Pen(glyphs)
    x = 0.0
    for char in text:
        glyph = cmap.get(ord(char)) or cmap.get(ord("?"), ".notdef")
        pen.offset = x
        glyphs[glyph].draw(pen)
        x += metrics[glyph][0]
    return ops, x / upem


def _outline_line(text: str, bold: bool, size: float, x: float, y: float) -> bytes:
    ops, _ = _text_outline(text, bold)
    if not ops:
        return b""
    scale = size / _font(bold)["head"].unitsPerEm
    return b"q %s 0 0 %s %s %s cm %s f Q" % (
        _num(scale, 7),
        _num(scale, 7),
        _num(x),
        _num(y),
        b" ".join(ops),
    )


def _signed_when(ts: str) -> str:
    """``22 November 2026, 14:03 GMT``: the signing time on a UK clock, for people."""
    try:
        when = dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return ts
    try:
        from zoneinfo import ZoneInfo

        when = when.astimezone(ZoneInfo(_LONDON))
    except Exception:  # no tz database: say UTC rather than guess
        when = when.astimezone(dt.UTC)
    zone = when.tzname() or "UTC"
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}, {when:%H:%M} {zone}"


def _stamp_style(role: str, location: str) -> Any:
    """The widget's pyHanko stamp style: three lines drawn as outlines, a thin border.

    pyHanko hands the stamp the signing time it puts in the signature (as ``ts``), so the
    widget and the signature cannot disagree. The stamp class overrides pyHanko internals
    (:func:`cpcdocs._compat.pyhanko.outline_stamp_style`).
    """

    def draw(width: float, height: float, params: Mapping[str, Any]) -> list[bytes]:
        lines = _widget_lines(
            params.get("signer_cn") or params.get("signer") or "",
            role,
            location,
            _signed_when(str(params.get("ts", ""))),
        )
        pad = 6.0
        fitted = []  # shrink a long name or authority to the width, never wrap it
        for (text, bold), size in zip(lines, (9.5, 8.0, 8.0), strict=True):
            advance = _text_outline(text, bold)[1]
            fitted.append(min(size, (width - 2 * pad) / advance) if advance else size)
        block = sum(size * 1.5 for size in fitted) - fitted[-1] * 0.35
        y = max((height + block) / 2, block)  # centred vertically
        commands = [b"0 g"]
        for (text, bold), size in zip(lines, fitted, strict=True):
            y -= size * 1.15
            commands.append(_outline_line(text, bold, size, pad, y))
            y -= size * 0.35
        return commands

    return outline_stamp_style(
        draw,
        "Digitally signed by %(signer_cn)s\n"
        + f"{role}, {location}".replace("%", "%%")
        + "\nSigned %(ts)s",
        timestamp_format="%Y-%m-%dT%H:%M:%S%z",
        border_width=1,
        border_color=(0.35, 0.35, 0.35),
        background=None,
    )


def _widget_lines(name: str, role: str, location: str, when: str) -> list[tuple[str, bool]]:
    """The three lines of the visible signature: who, in what capacity, when."""
    return [
        (f"Digitally signed by {name}", True),
        (f"{role}, {location}", False),
        (f"Signed {when}", False),
    ]


# -- verifying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    """What one signature in a PDF proves, for people and for the exit status."""

    field: str
    signer: str
    signing_time: dt.datetime | None
    intact: bool
    valid: bool
    coverage: str  # "whole", "revision" or "partial"
    later_changes_ok: bool
    trusted: bool
    trust_given: bool
    trust_anchor: str | None = None
    timestamp: dt.datetime | None = None
    timestamp_by: str | None = None
    timestamp_ok: bool | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Intact and valid, later updates harmless, trusted if a trust anchor was given."""
        return (
            self.problem is None
            and self.intact
            and self.valid
            and self.coverage in ("whole", "revision")
            and self.later_changes_ok
            and (self.timestamp_ok is not False)
            and (self.trusted or not self.trust_given)
        )

    def lines(self, number: int) -> list[str]:
        """The report for this signature in plain words, one fact a line."""
        out = [f"  signature {number} (field {self.field})"]
        out.append(f"    signer: {self.signer}")
        when = _utc(self.signing_time) if self.signing_time else "not recorded"
        out.append(f"    signed: {when} (by the signer's own clock)")
        if self.timestamp is not None:
            state = {True: "valid", False: "NOT VALID", None: "unchecked"}[self.timestamp_ok]
            by = f" by {self.timestamp_by}" if self.timestamp_by else ""
            out.append(f"    timestamp: {_utc(self.timestamp)}{by} ({state})")
        else:
            out.append("    timestamp: none (the signing time is the signer's word only)")
        if self.problem:
            out.append(f"    integrity: cannot be checked: {self.problem}")
        elif not self.intact:
            out.append("    integrity: CHANGED after signing: the signed bytes no longer match")
        elif not self.valid:
            out.append("    integrity: the signature itself is NOT VALID (its check failed)")
        elif self.coverage == "whole":
            out.append("    integrity: the document has not been changed since it was signed")
        elif self.later_changes_ok:
            out.append("    integrity: the signed version has not been changed since it was signed")
        else:
            out.append("    integrity: CHANGED after signing: later updates alter the content")
        coverage = {
            "whole": "the whole document",
            "revision": "the document as signed; later incremental updates were added "
            + ("(signatures or form data only)" if self.later_changes_ok else "(NOT ALLOWED)"),
        }.get(self.coverage, "PART of the document only")
        out.append(f"    coverage: {coverage}")
        if not self.trust_given:
            out.append("    trust: not trusted: no trust anchor given (use --trust CERT.pem)")
        elif self.trusted:
            out.append(f"    trust: trusted: chains to {self.trust_anchor}")
        else:
            out.append(f"    trust: untrusted: does not chain to {self.trust_anchor}")
        return out


@dataclass(frozen=True)
class FileCheck:
    """The signatures of one PDF, or why they could not be read."""

    path: str
    signatures: tuple[SignatureCheck, ...]
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """At least one signature, and every one of them ok."""
        return self.problem is None and bool(self.signatures) and all(s.ok for s in self.signatures)

    def lines(self) -> list[str]:
        """A headline for the file, then each signature's report."""
        if self.problem:
            return [f"{self.path}: FAILED: {self.problem}"]
        if not self.signatures:
            return [f"{self.path}: FAILED: the document has no digital signature"]
        count = len(self.signatures)
        noun = "signature" if count == 1 else "signatures"
        head = "ok" if self.ok else "FAILED"
        out = [f"{self.path}: {head}: {count} {noun}"]
        for number, sig in enumerate(self.signatures, 1):
            out.extend(sig.lines(number))
        return out


def _utc(when: dt.datetime) -> str:
    when = when.astimezone(dt.UTC) if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year} at {when:%H:%M:%S} UTC"


def load_trust_anchors(paths: Iterable[str | Path]) -> list[Any]:
    """Certificates (PEM or DER, bundles allowed) to trust; one-line error per bad file."""
    from pyhanko.keys import load_certs_from_pemder_data

    anchors: list[Any] = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            raise _key_error(str(path), f"cannot read the trust anchor: {err.strerror}") from None
        try:
            certs = list(load_certs_from_pemder_data(data))
        except Exception:
            certs = []
        if not certs:
            raise _key_error(str(path), "is not a PEM or DER certificate")
        anchors.extend(certs)
    return anchors


def _validation_context(anchors: Sequence[Any]) -> Any:
    """Trust only the given anchors (never the system's TLS roots), offline."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=list(anchors), allow_fetching=False, revocation_mode="soft-fail"
    )


def verify_pdf(path: str | Path, trust: Sequence[Any] = ()) -> FileCheck:
    """Check every signature in a PDF; ``trust`` is :func:`load_trust_anchors`' result.

    Raises :class:`CpcdocsError` (2) for a file that is not a PDF at all. A PDF that cannot
    be parsed is a failed check (it may have been damaged after signing), not an error.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise _key_error(name, f"cannot read the file: {err.strerror}") from None
    if b"%PDF-" not in data[:1024]:
        raise _key_error(name, "is not a PDF file")
    _pyhanko_quiet()
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as err:
        return FileCheck(name, (), f"the PDF cannot be read (damaged?): {err}")
    anchor_names = ", ".join(_common_name(c.subject) for c in trust) or None
    checks = tuple(_check_signature(sig, trust, anchor_names) for sig in embedded)
    return FileCheck(name, checks)


def _check_signature(embedded: Any, trust: Sequence[Any], anchor_names: str | None) -> Any:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    field_name = str(embedded.field_name)
    try:
        signer = _common_name(embedded.signer_cert.subject)
    except Exception:
        signer = "unknown (no signer certificate)"
    try:
        status = validate_pdf_signature(
            embedded,
            signer_validation_context=_validation_context(trust),
            key_usage_settings=KeyUsageConstraints(
                key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False
            ),
        )
    except Exception as err:
        return SignatureCheck(
            field=field_name,
            signer=signer,
            signing_time=None,
            intact=False,
            valid=False,
            coverage="partial",
            later_changes_ok=False,
            trusted=False,
            trust_given=bool(trust),
            trust_anchor=anchor_names,
            problem=f"{type(err).__name__}: {err}",
        )
    coverage = "partial"
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        coverage = "whole"
    elif status.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        coverage = "revision"
    later_ok = coverage == "whole" or bool(status.docmdp_ok)
    ts = status.timestamp_validity
    ts_ok: bool | None = None
    ts_time = ts_by = None
    if ts is not None:
        ts_time = ts.timestamp
        try:
            ts_by = _common_name(ts.signing_cert.subject)
        except Exception:
            ts_by = None
        ts_ok = bool(ts.intact and ts.valid and (ts.trusted or not trust))
    return SignatureCheck(
        field=field_name,
        signer=signer,
        signing_time=status.signer_reported_dt,
        intact=bool(status.intact),
        valid=bool(status.valid),
        coverage=coverage,
        later_changes_ok=later_ok,
        trusted=bool(trust) and bool(status.trusted),
        trust_given=bool(trust),
        trust_anchor=anchor_names,
        timestamp=ts_time,
        timestamp_by=ts_by,
        timestamp_ok=ts_ok,
    )
