"""Signed outline plans: sign with a throwaway PKI, verify, tamper, and check what is kept.

Every key and certificate here is made in a temporary folder with ``cryptography``; nothing is
committed. The timestamp test runs a tiny RFC 3161 server on the loopback interface.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import http.server
import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest
from conftest import ROOT, SUBPROCESS_ENV, run_cli
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cpcdocs import sign
from cpcdocs.errors import CpcdocsError, ExitStatus
from cpcdocs.load import load_case, resolve_authority
from cpcdocs.sign import (
    FIELD_NAME,
    PASSPHRASE_ENV,
    REASON,
    Pkcs12Signer,
    Secret,
    SignConfig,
    load_signer,
    load_trust_anchors,
    names_match,
    plan_signer_for,
    sign_pdf,
    verify_pdf,
)

PASSPHRASE = "correct horse battery staple"
EXAMPLE_SAMPLE = ROOT / "samples" / "example-initial.yaml"  # chaired by Grace Okafor
OTHER_CHAIR_SAMPLE = ROOT / "samples" / "transfer-in.yaml"  # chaired by someone else
AUTHORITY_NAME = "Northmoor Borough Council"
#: A ``--date`` for the decision stage (outline plans): after the example's conference on
#: 2027-01-06, and not the sample's own ``issued.decision`` (2027-01-07).
ISSUED = dt.date(2027, 1, 8)

# -- a throwaway PKI --------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Northmoor Borough Council (TEST)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _usage(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not sign_certs,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certs,
        crl_sign=sign_certs,
        encipher_only=False,
        decipher_only=False,
    )


def _cert(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None = None,
    *,
    ca: bool = False,
    tsa: bool = False,
    days: tuple[int, int] = (-1, 365),
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    issuer_name = issuer[0].subject if issuer else _name(subject)
    signing_key = issuer[1] if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(sign_certs=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key()),
            critical=False,
        )
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(signing_key, hashes.SHA256())


def _pem(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _p12(
    path: Path,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    passphrase: str = PASSPHRASE,
) -> Path:
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"chair",
            key,
            cert,
            chain,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    return path


@dataclasses.dataclass(frozen=True)
class Pki:
    folder: Path
    ca_pem: Path
    other_ca_pem: Path
    key: Path  # Grace Okafor's PKCS#12, issued by the CA, chain included
    expired_key: Path
    tsa_cert: Any  # asn1crypto
    tsa_key: Any  # asn1crypto
    ca_cert: Any  # asn1crypto


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509

    folder = tmp_path_factory.mktemp("pki")
    ca_key = _key()
    ca = _cert("cpcdocs test CA", ca_key, ca=True)
    other_key = _key()
    other_ca = _cert("Some other CA", other_key, ca=True)
    chair_key = _key()
    chair = _cert("Grace Okafor", chair_key, (ca, ca_key))
    old = _cert("Grace Okafor", chair_key, (ca, ca_key), days=(-400, -30))
    tsa_key = _key()
    tsa = _cert("cpcdocs test TSA", tsa_key, (ca, ca_key), tsa=True)
    der_tsa_key = tsa_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return Pki(
        folder=folder,
        ca_pem=_pem(ca, folder / "ca.pem"),
        other_ca_pem=_pem(other_ca, folder / "other-ca.pem"),
        key=_p12(folder / "chair.p12", chair_key, chair, [ca]),
        expired_key=_p12(folder / "expired.p12", chair_key, old, [ca]),
        tsa_cert=asn1_x509.Certificate.load(tsa.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(der_tsa_key),
        ca_cert=asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER)),
    )


# -- small PDFs made the way the renderer makes them ---------------------------------------------

_PLAN_HTML = """<!DOCTYPE html><html lang="en-GB"><head><title>Outline plan</title>
<style>@page {{ size: A4; margin: 26mm 20mm }} body {{ margin: 0; font-family: sans-serif }}
.signature-field {{ width: 80mm; height: 24mm }}</style></head><body>
<h1>Outline child protection plan</h1><p>Plan text for the test.</p>
{pages}
<div class="signature"><p>Signed by the chair of the conference:</p>
{field}<p><strong>Grace Okafor</strong><br>Conference Chair</p></div>
</body></html>"""


def _plan_pdf(
    *, anchor: bool = True, pages: int = 1, variant: str | None = "pdf/a-3u", tags: bool = False
) -> bytes:
    from weasyprint import HTML

    breaks = '<p style="break-after: page">More.</p>' * (pages - 1)
    field = '<div id="cpcdocs-signature" class="signature-field"></div>' if anchor else ""
    html = _PLAN_HTML.format(pages=breaks, field=field)
    return HTML(string=html).write_pdf(pdf_variant=variant, pdf_tags=tags)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def plain_pdf() -> bytes:
    return _plan_pdf(pages=2)


@pytest.fixture(scope="module")
def signer(pki: Pki) -> Pkcs12Signer:
    return Pkcs12Signer.from_file(pki.key, Secret(PASSPHRASE))


@pytest.fixture(scope="module")
def signed(pki: Pki, plain_pdf: bytes, signer: Pkcs12Signer) -> Path:
    data = sign_pdf(plain_pdf, signer, role="Conference Chair", location=AUTHORITY_NAME)
    path = pki.folder / "signed.pdf"
    path.write_bytes(data)
    return path


def _tampered(signed: Path, folder: Path) -> Path:
    """A copy with one byte flipped inside the signed range (in a compressed stream)."""
    data = bytearray(signed.read_bytes())
    offset = data.index(b"stream\n") + 7 + 40
    data[offset] ^= 0x01
    path = folder / "tampered.pdf"
    path.write_bytes(bytes(data))
    return path


# -- signing and verifying --------------------------------------------------------------------


def test_signed_plan_verifies_as_trusted(signed: Path, pki: Pki) -> None:
    code, out, err = run_cli("verify", signed, "--trust", pki.ca_pem)
    assert code == 0, out + err
    assert f"{signed}: ok: 1 signature" in out
    assert "signer: Grace Okafor" in out
    assert "signed: " in out and "(by the signer's own clock)" in out
    assert "integrity: the document has not been changed since it was signed" in out
    assert "coverage: the whole document" in out
    assert "trust: trusted: chains to cpcdocs test CA" in out
    assert err == ""


def test_without_trust_anchor_it_is_intact_but_not_trusted(signed: Path) -> None:
    # Documented: without --trust the exit status is about integrity alone.
    code, out, _ = run_cli("verify", signed)
    assert code == 0
    assert "trust: not trusted: no trust anchor given (use --trust CERT.pem)" in out


def test_another_ca_is_untrusted(signed: Path, pki: Pki) -> None:
    code, out, _ = run_cli("verify", signed, "--trust", pki.other_ca_pem)
    assert code == 1
    assert f"{signed}: FAILED: 1 signature" in out
    assert "trust: untrusted: does not chain to Some other CA" in out


def test_a_flipped_byte_is_reported_as_changed(signed: Path, pki: Pki, tmp_path: Path) -> None:
    tampered = _tampered(signed, tmp_path)
    code, out, _ = run_cli("verify", tampered, "--trust", pki.ca_pem)
    assert code == 1
    assert "integrity: CHANGED after signing" in out
    assert "has not been changed" not in out


def test_pyhanko_validator_agrees(signed: Path, pki: Pki, tmp_path: Path) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=[pki.ca_cert])
    with signed.open("rb") as handle:
        (embedded,) = PdfFileReader(handle).embedded_signatures
        status = validate_pdf_signature(embedded, context)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "Grace Okafor"
    with _tampered(signed, tmp_path).open("rb") as handle:
        (embedded,) = PdfFileReader(handle, strict=False).embedded_signatures
        assert not validate_pdf_signature(embedded, context).intact


def test_unsigned_pdf_and_non_pdf(plain_pdf: bytes, tmp_path: Path) -> None:
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(plain_pdf)
    code, out, err = run_cli("verify", unsigned)
    assert code == 1
    assert out.strip() == f"{unsigned}: FAILED: the document has no digital signature"
    text = tmp_path / "notes.txt"
    text.write_text("not a PDF")
    code, out, err = run_cli("verify", text, unsigned)
    assert code == 2
    assert err.strip() == f"cpcdocs: {text}: is not a PDF file"
    assert "no digital signature" in out  # the other files are still checked


def test_a_trust_file_that_is_not_a_certificate(signed: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("hello")
    code, out, err = run_cli("verify", signed, "--trust", bogus)
    assert (code, out) == (2, "")
    assert err.strip() == f"cpcdocs: {bogus}: is not a PEM or DER certificate"


def test_signature_is_pades_with_reason_location_and_field(signed: Path) -> None:
    with pikepdf.open(signed) as pdf:
        (field,) = pdf.Root.AcroForm.Fields
        value = field.V
        assert str(field.T) == FIELD_NAME
        assert value.SubFilter == "/ETSI.CAdES.detached"
        assert str(value.Reason) == REASON
        assert str(value.Location) == AUTHORITY_NAME
        assert str(value.M).startswith("D:20")
        assert "/ESIC" in pdf.Root.Extensions


def test_signing_is_an_incremental_update_that_keeps_pdfa_metadata(
    plain_pdf: bytes, signed: Path
) -> None:
    data = signed.read_bytes()
    assert data.startswith(plain_pdf)  # every rendered byte is kept as it was
    with pikepdf.open(io.BytesIO(plain_pdf)) as before, pikepdf.open(signed) as after:
        xmp = before.Root.Metadata.read_bytes()
        assert b'pdfaid:part="3"' in xmp
        assert after.Root.Metadata.read_bytes() == xmp
        assert dict(after.trailer.Info) == dict(before.trailer.Info)
        assert len(after.pages) == len(before.pages) == 2


def test_signed_plan_opens_in_pypdf_and_pikepdf(signed: Path) -> None:
    reader = pypdf.PdfReader(signed)
    assert len(reader.pages) == 2
    assert "Grace Okafor" in reader.pages[-1].extract_text()
    with pikepdf.open(signed) as pdf:
        assert pdf.check_pdf_syntax() == []
        assert len(pdf.pages) == 2


def test_widget_covers_the_reserved_block_and_uses_no_font(signed: Path) -> None:
    from cpcdocs.sign import FIELD_HEIGHT_MM, FIELD_WIDTH_MM

    with pikepdf.open(signed) as pdf:
        (field,) = pdf.Root.AcroForm.Fields
        last = pdf.pages[-1]
        assert any(a.objgen == field.objgen for a in last.Annots)
        # WeasyPrint's named destination for the anchor: top left of the reserved element.
        names = list(pdf.Root.Names.Dests.Names)
        dest = names[names.index("cpcdocs-signature") + 1]
        left, top = float(dest[2]), float(dest[3])
        x1, y1, x2, y2 = (float(v) for v in field.Rect)
        mm = 72 / 25.4
        assert (round(x1), round(y2)) == (round(left), round(top))
        assert abs((x2 - x1) - FIELD_WIDTH_MM * mm) <= 1
        assert abs((y2 - y1) - FIELD_HEIGHT_MM * mm) <= 1
        assert int(field.F) & 4  # printed
        assert str(field.TU) == (
            f"Digital signature of Grace Okafor, Conference Chair, {AUTHORITY_NAME}"
        )
        appearance = field.AP.N
        assert "/Font" not in appearance.get("/Resources", {})
        assert b" f Q" in appearance.read_bytes()  # letters drawn as filled outlines


def test_without_an_anchor_the_widget_goes_bottom_right_of_the_last_page(
    signer: Pkcs12Signer,
) -> None:
    data = sign_pdf(
        _plan_pdf(anchor=False, pages=3, variant=None),
        signer,
        role="Conference Chair",
        location=AUTHORITY_NAME,
    )
    with pikepdf.open(io.BytesIO(data)) as pdf:
        (field,) = pdf.Root.AcroForm.Fields
        assert "/Annots" in pdf.pages[2] and "/Annots" not in pdf.pages[0]
        _, y1, x2, _ = (float(v) for v in field.Rect)
        width = float(pdf.pages[2].MediaBox[2])
        mm = 72 / 25.4
        assert abs(x2 - (width - 20 * mm)) <= 1
        assert abs(y1 - 26 * mm) <= 1


def test_tagged_plan_gets_its_widget_in_the_structure_tree(signer: Pkcs12Signer) -> None:
    tagged = _plan_pdf(tags=True)
    data = sign_pdf(tagged, signer, role="Conference Chair", location=AUTHORITY_NAME)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        (field,) = pdf.Root.AcroForm.Fields
        tree = pdf.Root.StructTreeRoot
        nums = list(tree.ParentTree.Nums)
        element = nums[nums.index(int(field.StructParent)) + 1]
        assert element.S == "/Form" and element.K.Type == "/OBJR"
        assert element.K.Obj.objgen == field.objgen
        document = tree.K[0] if isinstance(tree.K, pikepdf.Array) else tree.K
        assert element.P.objgen == document.objgen
        assert list(document.K)[-1].objgen == element.objgen  # read last, after the plan
        assert str(element.Alt) == str(field.TU)
        assert pdf.pages[-1].Tabs == "/S"
        assert pdf.check_pdf_syntax() == []


def test_widget_shows_name_role_authority_and_date(signed: Path) -> None:
    """Look at it: the appearance drawn on its own page must read as the three lines."""
    lines = sign._widget_lines("Grace Okafor", "Conference Chair", AUTHORITY_NAME, "1 Dec")
    assert [text for text, _ in lines] == [
        "Digitally signed by Grace Okafor",
        f"Conference Chair, {AUTHORITY_NAME}",
        "Signed 1 Dec",
    ]
    when = sign._signed_when("2026-07-01T13:05:00+0000")
    assert when == "1 July 2026, 14:05 BST"
    assert sign._signed_when("2026-11-22T09:30:00+0000") == "22 November 2026, 09:30 GMT"


def test_signs_once_with_reserved_space(plain_pdf: bytes, pki: Pki) -> None:
    """bytes_reserved is set, so pyHanko makes no throwaway signature to size the real one."""
    fresh = Pkcs12Signer.from_file(pki.key, Secret(PASSPHRASE))
    inner = fresh.pyhanko_signer()
    calls: list[int] = []
    original = inner.sign_raw

    def counting(data: bytes, digest_algorithm: str) -> bytes:
        calls.append(1)
        return original(data, digest_algorithm)  # type: ignore[no-any-return]

    inner.sign_raw = counting
    sign_pdf(plain_pdf, fresh, role="Conference Chair", location=AUTHORITY_NAME)
    assert len(calls) == 1


# -- the key and its passphrase ---------------------------------------------------------------


def test_passphrase_never_shows(pki: Pki) -> None:
    secret = Secret(PASSPHRASE)
    config = SignConfig(str(pki.key), secret)
    assert PASSPHRASE not in repr(secret) + str(secret) + repr(config)
    assert Secret(PASSPHRASE) == secret and Secret("other") != secret
    from cpcdocs.pack import RenderOptions

    assert PASSPHRASE not in repr(RenderOptions(sign=config))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.folder / "missing.p12", "the signing key file does not exist"),
        (lambda p: p.ca_pem, "is not a PKCS#12 (.p12/.pfx) signing key"),
    ],
    ids=["missing", "not-pkcs12"],
)
def test_unusable_key_files(pki: Pki, make: Any, message: str) -> None:
    path = make(pki)
    with pytest.raises(CpcdocsError) as caught:
        load_signer(SignConfig(str(path), Secret(PASSPHRASE)))
    assert caught.value.exit_status is ExitStatus.INVALID_INPUT
    assert caught.value.message == f"{path}: {message}"


def test_wrong_passphrase_is_one_line_exit_2_without_the_passphrase(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "hunter2-wrong")
    code, out, err = run_cli(
        "render", EXAMPLE_SAMPLE, "-o", tmp_path, "--sign-key", pki.key, "--only", "outline_plan"
    )
    assert code == 2
    assert (
        err
        == f"cpcdocs: {pki.key}: wrong passphrase for the signing key (it cannot be decrypted)\n"
    )
    assert "hunter2" not in out + err
    assert not list(tmp_path.iterdir())


def test_no_passphrase_without_a_terminal(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    code, _, err = run_cli("render", EXAMPLE_SAMPLE, "-o", tmp_path, "--sign-key", pki.key)
    assert code == 2
    assert err == (
        f"cpcdocs: {pki.key}: no passphrase: set {PASSPHRASE_ENV}, or run on a terminal to be "
        "asked\n"
    )


def test_passphrase_prompt_is_hidden(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the passphrase is asked for and not echoed; a wrong one is refused."""
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    monkeypatch.setattr("cpcdocs.cli.app._stdin_is_terminal", lambda: True)
    code, out, err = run_cli(
        "render", EXAMPLE_SAMPLE, "-o", tmp_path, "--sign-key", pki.key,
        input="typed-wrong-secret\n",
    )  # fmt: skip
    assert code == 2
    assert f"Passphrase for {pki.key}:" in err
    assert "typed-wrong-secret" not in out + err
    assert "wrong passphrase" in err


def test_key_is_loaded_once_per_process_and_per_passphrase(pki: Pki) -> None:
    config = SignConfig(str(pki.key), Secret(PASSPHRASE))
    assert load_signer(config) is load_signer(SignConfig(str(pki.key), Secret(PASSPHRASE)))
    with pytest.raises(CpcdocsError, match="wrong passphrase"):
        load_signer(SignConfig(str(pki.key), Secret("not it")))


def test_pkcs11_uri_points_to_the_extension_point() -> None:
    with pytest.raises(CpcdocsError, match="PKCS#11 tokens are not built in") as caught:
        load_signer(SignConfig("pkcs11:token=CHAIR", Secret("1234")))
    assert caught.value.exit_status is ExitStatus.INVALID_INPUT


def test_pkcs12_signer_meets_the_signer_protocol(signer: Pkcs12Signer) -> None:
    assert isinstance(signer, sign.Signer)


# -- who may sign a plan ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("certificate", "person", "same"),
    [
        ("Grace Okafor", "Grace Okafor", True),
        ("Okafor, Grace", "Grace Okafor", True),
        ("Grace Okafor (DEMO — NOT A REAL KEY)", "Grace Okafor", True),
        ("Dr Grace A. Okafor", "Grace Okafor", True),
        ("Zoë Brontë", "Zoe Bronte", True),
        ("Grace Okafor", "Ade Adeyemi", False),
        ("Grace Mensah", "Grace Okafor", False),
        ("", "Grace Okafor", False),
    ],
)
def test_names_match(certificate: str, person: str, same: bool) -> None:
    assert names_match(certificate, person) is same


def test_a_key_that_is_not_the_chairs_is_refused(pki: Pki) -> None:
    case = load_case(OTHER_CHAIR_SAMPLE)
    authority = resolve_authority(case, None, case_file=str(OTHER_CHAIR_SAMPLE))
    with pytest.raises(CpcdocsError) as caught:
        plan_signer_for(SignConfig(str(pki.key), Secret(PASSPHRASE)), case, authority)
    assert caught.value.exit_status is ExitStatus.INVALID_INPUT
    assert caught.value.message == (
        f"{pki.key}: the signing certificate is 'Grace Okafor', but the chair of "
        f"{case.case.reference} is {case.chair.name!r}; outline plans must be signed with the "
        "chair's own key"
    )


def test_an_expired_certificate_is_refused(pki: Pki) -> None:
    case = load_case(EXAMPLE_SAMPLE)
    authority = resolve_authority(case, None, case_file=str(EXAMPLE_SAMPLE))
    with pytest.raises(CpcdocsError, match="the signing certificate expired on"):
        plan_signer_for(SignConfig(str(pki.expired_key), Secret(PASSPHRASE)), case, authority)


# -- RFC 3161 timestamp (PAdES B-T) --------------------------------------------------------------


@pytest.fixture
def tsa_url(pki: Pki) -> Iterator[tuple[str, list[int]]]:
    """A loopback RFC 3161 server backed by pyHanko's test timestamper; counts its requests."""
    from asn1crypto import tsp
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    stamper = DummyTimeStamper(tsa_cert=pki.tsa_cert, tsa_key=pki.tsa_key)
    requests: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(len(body))
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", requests
    finally:
        server.shutdown()
        server.server_close()


def test_timestamped_signature_is_pades_b_t(
    pki: Pki, plain_pdf: bytes, signer: Pkcs12Signer, tsa_url: tuple[str, list[int]], tmp_path: Path
) -> None:
    url, requests = tsa_url
    data = sign_pdf(
        plain_pdf, signer, role="Conference Chair", location=AUTHORITY_NAME, tsa_url=url
    )
    assert len(requests) == 1  # no throwaway request to size the token
    path = tmp_path / "timestamped.pdf"
    path.write_bytes(data)
    code, out, _ = run_cli("verify", path, "--trust", pki.ca_pem)
    assert code == 0, out
    assert "timestamp: " in out and "by cpcdocs test TSA (valid)" in out
    check = verify_pdf(path, load_trust_anchors([pki.ca_pem])).signatures[0]
    assert check.timestamp is not None and check.timestamp_ok


def test_unreachable_timestamp_server_is_a_render_error(
    plain_pdf: bytes, signer: Pkcs12Signer
) -> None:
    with pytest.raises(CpcdocsError) as caught:
        sign_pdf(
            plain_pdf,
            signer,
            role="Conference Chair",
            location=AUTHORITY_NAME,
            tsa_url="http://127.0.0.1:9/",
        )
    assert caught.value.exit_status is ExitStatus.RENDER_ERROR
    assert caught.value.message.startswith("could not get a timestamp from http://127.0.0.1:9/")


# -- in a pack ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_render_signs_exactly_the_outline_plan_pdfs(pki: Pki, tmp_path: Path) -> None:
    """Through render_pack: signed before hashing and before the audit gate, nothing else."""
    from cpcdocs.pack import RenderOptions, fingerprint, render_pack

    # Two stages (contract version 2): no one --date fits both an invitation (on or before the
    # conference) and a plan (after it), so each stage carries the sample's issued: date.
    options = RenderOptions(
        only=("outline_plan", "invitation"),
        recipients=("mother", "sw-patel"),
        sign=SignConfig(str(pki.key), Secret(PASSPHRASE)),
    )
    result = render_pack(EXAMPLE_SAMPLE, tmp_path, options)  # audited, then published
    manifest = json.loads((result.path / "manifest.json").read_text())
    issued = load_case(EXAMPLE_SAMPLE).issued
    assert issued is not None and issued.invitations and issued.decision
    stage_of = {
        "outline_plan": ("decision", issued.decision),
        "invitation": ("invitations", issued.invitations),
    }
    for entry in manifest["documents"]:
        stage, day = stage_of[entry["kind"]]
        assert (entry["stage"], entry["issued_on"]) == (stage, day.isoformat()), entry["path"]
        assert entry["path"].startswith(f"{stage}/"), entry["path"]
    anchors = load_trust_anchors([pki.ca_pem])
    seen = set()
    for entry in manifest["documents"]:
        path = result.path / entry["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], entry["path"]
        if entry["format"] != "pdf":
            assert b"/ByteRange" not in path.read_bytes()
            continue
        report = verify_pdf(path, anchors)
        if entry["kind"] == "outline_plan":
            assert report.ok, report.lines()
        else:
            assert report.signatures == (), entry["path"]
        seen.add((entry["kind"], bool(report.signatures)))
    assert seen == {("outline_plan", True), ("invitation", False)}
    # An unsigned pack is not the same pack: a batch must not skip it as unchanged.
    unsigned = dataclasses.replace(options, sign=None)
    authority = resolve_authority(load_case(EXAMPLE_SAMPLE), None, case_file=str(EXAMPLE_SAMPLE))
    case_bytes = EXAMPLE_SAMPLE.read_bytes()
    signed_print = fingerprint(case_bytes, authority, options, None)
    assert signed_print["options_sha256"] == manifest["options_sha256"]
    assert signed_print != fingerprint(case_bytes, authority, unsigned, None)
    # Nor is a plan signed and dated by --date the same pack as one dated by the case file.
    explicit = dataclasses.replace(options, issued_on=ISSUED)
    assert signed_print != fingerprint(case_bytes, authority, explicit, ISSUED)
    assert PASSPHRASE not in (result.path / "manifest.json").read_text()


def test_a_wrong_chairs_key_renders_nothing(pki: Pki, tmp_path: Path) -> None:
    from cpcdocs.pack import RenderOptions, render_pack

    options = RenderOptions(
        only=("outline_plan",), sign=SignConfig(str(pki.key), Secret(PASSPHRASE))
    )
    with pytest.raises(CpcdocsError, match="must be signed with the chair's own key") as caught:
        render_pack(OTHER_CHAIR_SAMPLE, tmp_path, options)
    assert caught.value.exit_status is ExitStatus.INVALID_INPUT
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith(".")]


# -- through the real entry point ------------------------------------------------------------------


def _cpcdocs(*args: object, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m cpcdocs ARGS`` with stdin that is not a terminal (as in cron or CI)."""
    return subprocess.run(
        [sys.executable, "-m", "cpcdocs", *map(str, args)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_render_and_verify_through_a_subprocess(pki: Pki, tmp_path: Path) -> None:
    env = {k: v for k, v in SUBPROCESS_ENV.items() if k != PASSPHRASE_ENV}
    out = tmp_path / "out"
    render = ["render", EXAMPLE_SAMPLE, "-o", out, "--sign-key", pki.key]
    narrow = ["--only", "outline_plan", "--recipient", "mother", "--date", ISSUED.isoformat()]

    done = _cpcdocs(*render, *narrow, env={**env, PASSPHRASE_ENV: PASSPHRASE})
    assert done.returncode == 0, done.stderr
    assert PASSPHRASE not in done.stdout + done.stderr
    pack = out / "NM-2026-0412"
    plans = sorted((pack / "decision" / "mother").glob("outline_plan-*.pdf"))
    assert [p.name for p in plans] == ["outline_plan-maya.pdf", "outline_plan-theo.pdf"]
    manifest = json.loads((pack / "manifest.json").read_text())
    assert [(e["path"], e["issued_on"]) for e in manifest["documents"]] == [
        (p.relative_to(pack).as_posix(), ISSUED.isoformat()) for p in plans
    ]
    assert manifest["stages"] == {"decision": {"issued_on": ISSUED.isoformat()}}

    done = _cpcdocs("verify", *plans, "--trust", pki.ca_pem, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": ok: 1 signature") == 2
    assert "integrity: the document has not been changed since it was signed" in done.stdout
    assert "trust: trusted: chains to cpcdocs test CA" in done.stdout

    done = _cpcdocs(*render, env={**env, PASSPHRASE_ENV: "subprocess-wrong-secret"})
    assert done.returncode == 2
    assert done.stderr == (
        f"cpcdocs: {pki.key}: wrong passphrase for the signing key (it cannot be decrypted)\n"
    )
    assert "subprocess-wrong-secret" not in done.stdout + done.stderr

    done = _cpcdocs(*render, env=env)
    assert done.returncode == 2
    assert done.stderr == (
        f"cpcdocs: {pki.key}: no passphrase: set {PASSPHRASE_ENV}, or run on a terminal to be "
        "asked\n"
    )


def test_demo_key_tool(tmp_path: Path) -> None:
    out = tmp_path / "demo-signing"
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_demo_key.py"), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "northmoor-demo-not-secret" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == ["chair-okafor.p12", "chair-okafor.pem"]
    demo = load_signer(
        SignConfig(str(out / "chair-okafor.p12"), Secret("northmoor-demo-not-secret"))
    )
    assert demo.common_name == "Grace Okafor (DEMO — NOT A REAL KEY)"
    assert names_match(demo.common_name, "Grace Okafor")
    again = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_demo_key.py"), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "kept" in again.stdout
