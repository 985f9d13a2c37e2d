"""Checking signatures: every signature in a PDF, and what was found, in plain words.

:func:`verify_pdf` validates each embedded signature (integrity, coverage of the whole file,
the signer's certificate against the trust anchors given with ``verify --trust``, and any
timestamp) and returns a :class:`FileCheck` that ``cpcdocs verify`` prints and turns into its
exit status.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .signature_widget import MONTHS
from .signing_keys import common_name, key_error, pyhanko_quiet

__all__ = ["FileCheck", "SignatureCheck", "load_trust_anchors", "verify_pdf"]


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
    return f"{when.day} {MONTHS[when.month - 1]} {when.year} at {when:%H:%M:%S} UTC"


def load_trust_anchors(paths: Iterable[str | Path]) -> list[Any]:
    """Certificates (PEM or DER, bundles allowed) to trust; one-line error per bad file."""
    from pyhanko.keys import load_certs_from_pemder_data

    anchors: list[Any] = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            raise key_error(str(path), f"cannot read the trust anchor: {err.strerror}") from None
        try:
            certs = list(load_certs_from_pemder_data(data))
        except Exception:
            certs = []
        if not certs:
            raise key_error(str(path), "is not a PEM or DER certificate")
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
        raise key_error(name, f"cannot read the file: {err.strerror}") from None
    if b"%PDF-" not in data[:1024]:
        raise key_error(name, "is not a PDF file")
    pyhanko_quiet()
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as err:
        return FileCheck(name, (), f"the PDF cannot be read (damaged?): {err}")
    anchor_names = ", ".join(common_name(c.subject) for c in trust) or None
    checks = tuple(_check_signature(sig, trust, anchor_names) for sig in embedded)
    return FileCheck(name, checks)


def _check_signature(embedded: Any, trust: Sequence[Any], anchor_names: str | None) -> Any:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    field_name = str(embedded.field_name)
    try:
        signer = common_name(embedded.signer_cert.subject)
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
            ts_by = common_name(ts.signing_cert.subject)
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
