"""What a PDF may embed: images and fonts from the template and authority folders, nothing else.

WeasyPrint reads the files a layout names (the logo, a stylesheet's background, a font). A
layout override or an authority profile must not be able to embed any other file on the
machine, for instance through a symlink named ``evil.png`` that points at someone's notes.
Every name here is fictional.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cpcdocs.authority import templates_root
from cpcdocs.errors import ExitStatus, RenderError
from cpcdocs.render import PdfMetadata, Renderer
from cpcdocs.render.pdf import AssetGuard, FetchRefused, sniff

FIXTURES = Path(__file__).parent / "render_fixtures"
_spec = importlib.util.spec_from_file_location("fake_view", FIXTURES / "fake_view.py")
assert _spec is not None and _spec.loader is not None
fv = sys.modules.get("fake_view") or importlib.util.module_from_spec(_spec)
if "fake_view" not in sys.modules:
    sys.modules["fake_view"] = fv
    _spec.loader.exec_module(fv)

SECRET = "Notes on the family at 12 Quarry Lane, Northmoor (fictional): not for any letter."


@dataclasses.dataclass(frozen=True)
class ProfiledAuthority(fv.Authority):  # type: ignore[name-defined,misc]
    """The fake authority with the folder its profile was read from, as the real one has."""

    base_dir: Path | None = None


def png_bytes(colour: tuple[int, int, int] = (20, 90, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """An authority profile's folder, and a secret file outside every allowed folder."""
    profile = tmp_path / "profile"
    profile.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = outside / "notes.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return {"profile": profile, "outside": outside, "secret": secret}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(FIXTURES)


def render_with_logo(renderer: Renderer, logo: Path, profile: Path) -> bytes:
    view = fv.fake_view(authority=ProfiledAuthority(logo_path=logo, base_dir=profile))
    return renderer.render_pdf(view, metadata=PdfMetadata("Invitation", "Northmoor"))


# -- through the renderer -----------------------------------------------------------------------


def test_a_symlink_named_like_an_image_is_refused(
    renderer: Renderer, folders: dict[str, Path]
) -> None:
    evil = folders["profile"] / "evil.png"
    evil.symlink_to(folders["secret"])
    with pytest.raises(RenderError) as caught:
        render_with_logo(renderer, evil, folders["profile"])
    assert caught.value.exit_status == ExitStatus.RENDER_ERROR
    assert "refused" in caught.value.message
    assert "notes.txt" in caught.value.message or "evil.png" in caught.value.message


def test_a_symlink_to_a_real_image_outside_the_folders_is_refused(
    renderer: Renderer, folders: dict[str, Path]
) -> None:
    """Being an image is not enough: it must be ours (the templates' or the profile's)."""
    elsewhere = folders["outside"] / "photo.png"
    elsewhere.write_bytes(png_bytes())
    link = folders["profile"] / "logo.png"
    link.symlink_to(elsewhere)
    with pytest.raises(RenderError, match="refused: documents embed only files inside"):
        render_with_logo(renderer, link, folders["profile"])


def test_a_png_that_is_really_text_is_refused(renderer: Renderer, folders: dict[str, Path]) -> None:
    fake = folders["profile"] / "logo.png"
    fake.write_text(SECRET, encoding="utf-8")
    with pytest.raises(RenderError, match=r"logo\.png: refused: the file is not an image"):
        render_with_logo(renderer, fake, folders["profile"])


def test_a_real_png_in_the_profiles_folder_is_embedded(
    renderer: Renderer, folders: dict[str, Path]
) -> None:
    logo = folders["profile"] / "logo.png"
    logo.write_bytes(png_bytes())
    pdf = render_with_logo(renderer, logo, folders["profile"])
    assert pdf.startswith(b"%PDF")
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf


def test_the_refusal_never_embeds_the_file(
    renderer: Renderer, folders: dict[str, Path], tmp_path: Path
) -> None:
    """A refused render returns no bytes at all: nothing can be published by mistake."""
    evil = folders["profile"] / "evil.png"
    evil.symlink_to(folders["secret"])
    result: Any = None
    with pytest.raises(RenderError):
        result = render_with_logo(renderer, evil, folders["profile"])
    assert result is None


# -- the guard itself ---------------------------------------------------------------------------


def test_the_guard_serves_only_checked_images_and_fonts(folders: dict[str, Path]) -> None:
    profile = folders["profile"]
    guard = AssetGuard([profile])
    (profile / "real.png").write_bytes(png_bytes())
    served = guard.serve((profile / "real.png").as_uri())
    assert served is not None
    where, body, mime = served
    assert (where, mime) == ((profile / "real.png").resolve().as_uri(), "image/png")
    assert body == png_bytes()
    font = templates_root() / "fonts" / "LiberationSans-Regular.ttf"
    assert AssetGuard([templates_root()]).serve(font.as_uri())[2] == "font/ttf"  # type: ignore[index]
    assert guard.serve("data:image/png;base64,AAAA") is None  # WeasyPrint's own handling

    (profile / "evil.png").symlink_to(folders["secret"])
    (profile / "text.png").write_text(SECRET, encoding="utf-8")
    (profile / "style.css").write_text("body {}", encoding="utf-8")
    for name, why in (
        ("evil.png", "inside the templates and authority folders"),
        ("text.png", "not an image or font"),
        ("style.css", "only image and font files"),
    ):
        with pytest.raises(FetchRefused, match=why):
            guard.serve((profile / name).as_uri())
    with pytest.raises(FetchRefused, match="inside the templates"):
        guard.serve(folders["secret"].as_uri())
    with pytest.raises(FileNotFoundError):
        guard.serve((profile / "missing.png").as_uri())


def test_sniffing_goes_by_content() -> None:
    assert sniff(png_bytes()) == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0....JFIF") == "image/jpeg"
    assert sniff(b"GIF89a....") == "image/gif"
    assert sniff(b'<?xml version="1.0"?>\n<!-- logo -->\n<svg xmlns="x"/>') == "image/svg+xml"
    assert sniff(b"OTTO....") == "font/otf"
    assert sniff(b"wOF2....") == "font/woff2"
    assert sniff(b"\x00\x01\x00\x00....") == "font/ttf"
    assert sniff(SECRET.encode()) is None
    assert sniff(b"<html><svg></svg></html>") is None
    assert sniff(b"") is None


def test_a_layout_override_cannot_embed_a_symlinked_file(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    """The attack as reported: an override's stylesheet names a symlink called ``*.png``."""
    override = tmp_path / "override"
    (override / "layout").mkdir(parents=True)
    (override / "letters").mkdir()
    (override / "letters" / "invitation.html.j2").write_text(
        (FIXTURES / "letters" / "invitation.html.j2").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    css = (templates_root() / "layout" / "letter.css").read_text(encoding="utf-8")
    (override / "layout" / "letter.css").write_text(
        css + "\nbody { background-image: url(evil.png); }\n", encoding="utf-8"
    )
    (override / "layout" / "evil.png").symlink_to(folders["secret"])
    renderer = Renderer(override)
    view = fv.fake_view(authority=ProfiledAuthority(base_dir=folders["profile"]))
    with pytest.raises(RenderError, match=r"evil\.png: refused: documents embed only files"):
        renderer.render_pdf(view, metadata=PdfMetadata("Invitation", "Northmoor"))

    (override / "layout" / "evil.png").unlink()
    (override / "layout" / "evil.png").write_bytes(png_bytes())  # a real picture: fine
    pdf = renderer.render_pdf(view, metadata=PdfMetadata("Invitation", "Northmoor"))
    assert pdf.startswith(b"%PDF")


# -- a council's own profile folder, end to end ---------------------------------------------------


def _council_folder(tmp_path: Path) -> Path:
    """The built-in profile copied into a council's own folder, with its logo and signature."""
    import shutil

    folder = tmp_path / "council"
    shutil.copytree(templates_root() / "authorities", folder)
    return folder / "northmoor.yaml"


def _render(profile: Path, out: Path) -> tuple[int, str]:
    from conftest import ROOT, run_cli

    code, _, stderr = run_cli(
        "render",
        str(ROOT / "samples" / "example-initial.yaml"),
        "-o",
        str(out),
        "--authority",
        str(profile),
        "--only",
        "invitation",
        "--recipient",
        "mother",
        "--format",
        "pdf",
        "--date",
        "2026-12-14",
        "-j",
        "1",
    )
    return code, stderr


def test_a_councils_own_profile_folder_may_hold_its_logo(tmp_path: Path) -> None:
    profile = _council_folder(tmp_path)
    code, stderr = _render(profile, tmp_path / "out")
    assert code == 0, stderr
    pdfs = list((tmp_path / "out").rglob("invitation*.pdf"))
    assert pdfs and b"/Subtype /Image" in pdfs[0].read_bytes()


def test_a_councils_logo_symlinked_to_another_file_stops_the_render(tmp_path: Path) -> None:
    profile = _council_folder(tmp_path)
    secret = tmp_path / "notes.txt"
    secret.write_text(SECRET, encoding="utf-8")
    (profile.parent / "logo.png").unlink()
    (profile.parent / "logo.png").symlink_to(secret)
    code, stderr = _render(profile, tmp_path / "out")
    # refused when the profile is loaded, before anything is rendered: the link is followed
    # and what it names is not an image (the URL fetcher would refuse it too, exit 4)
    assert code == ExitStatus.INVALID_INPUT, stderr
    assert "logo: 'logo.png' is not a PNG or JPEG file" in stderr
    assert "Traceback" not in stderr and SECRET not in stderr
    assert not list((tmp_path / "out").rglob("*.pdf"))
