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

The key lives in :mod:`cpcdocs.signing_keys`, the visible widget in
:mod:`cpcdocs.signature_widget` and the checking in :mod:`cpcdocs.verify`; their public names
are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import __version__
from ._compat.pyhanko import metadata_keeping_writer
from .errors import CpcdocsError, ExitStatus, RenderError
from .signature_widget import (
    FALLBACK_BOTTOM_MM,
    FALLBACK_RIGHT_MM,
    FIELD_HEIGHT_MM,
    FIELD_WIDTH_MM,
    SIGNATURE_ANCHOR,
    signature_box,
    stamp_style,
)
from .signature_widget import _signed_when as _signed_when
from .signature_widget import _widget_lines as _widget_lines
from .signing_keys import (
    PASSPHRASE_ENV,
    Pkcs12Signer,
    Secret,
    SignConfig,
    Signer,
    load_signer,
    names_match,
    pyhanko_quiet,
)
from .verify import FileCheck, SignatureCheck, load_trust_anchors, verify_pdf

if TYPE_CHECKING:
    from .authority import Authority
    from .model import Case

#: Names that moved to :mod:`cpcdocs.signing_keys`, :mod:`cpcdocs.signature_widget` and
#: :mod:`cpcdocs.verify`, still importable from here.
__all__ = [
    "CHAIR_ROLE",
    "FALLBACK_BOTTOM_MM",
    "FALLBACK_RIGHT_MM",
    "FIELD_HEIGHT_MM",
    "FIELD_NAME",
    "FIELD_WIDTH_MM",
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
    "names_match",
    "plan_signer_for",
    "sign_pdf",
    "verify_pdf",
]


#: The ``/Reason`` of every plan signature.
REASON = "Outline child protection plan signed by the Conference Chair"

#: The signature field's name (``/T``).
FIELD_NAME = "ChairSignature"


#: Role shown for the signer, as the procedures name it.
CHAIR_ROLE = "Conference Chair"

# An RFC 3161 token holds the TSA's certificate chain and a signature: 4 to 10 kB from the
# public services. Space is reserved for the worst of them so that signing is never retried.
_TIMESTAMP_ALLOWANCE = 16 * 1024


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
    pyhanko_quiet()
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
        stamp_style=stamp_style(role, location),
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
