"""The operating system says no: read-only, immutable and full output folders, paths under files.

Each refusal is one line on stderr with exit status 4 (exit 2 when the ``-o`` path itself
cannot be a folder), and nothing half-written is left behind: no staging folder, no lock file,
and an earlier pack exactly as it was.

Real faults need root: a tmpfs mounted by the test (read-only, or small enough to fill) and
``chattr +i``. Where the machine does not allow them the test is skipped and says why; the
same code paths are also driven without root by making ``os`` calls fail.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLE, run_cli, run_subprocess

from cpcdocs import lock as lock_module
from cpcdocs import publish as pub
from cpcdocs.errors import CpcdocsError, ExitStatus, OutputError
from cpcdocs.lock import LOCK_NAME, BatchLock
from cpcdocs.publish import check_out, prepare_out, publish, stage

REF = "NM-2026-0412"
#: The quickest real render: one DOCX.
ONE_DOCX = ("--only", "invitation", "--recipient", "mother", "--format", "docx", "-j", "1")


@pytest.fixture(autouse=True)
def _no_local_authorities(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run from an empty folder: no ./authorities/ from wherever pytest was started."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, to prove a pack was not touched."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def hidden(out: Path) -> list[str]:
    """Staging, old-pack and lock files: what a failed run must not leave behind."""
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def fake_pack(out: Path) -> Path:
    """An earlier published pack (its content does not matter, only that it stays)."""
    pack = out / REF
    (pack / "mother").mkdir(parents=True)
    (pack / "mother" / "invitation.docx").write_bytes(b"the earlier pack")
    (pack / "manifest.json").write_text('{"case": "NM-2026-0412"}', encoding="utf-8")
    return pack


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# -- mounting and chattr, when allowed ------------------------------------------------------------


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[object]:
    """``mount(size_kb, read_only=False) -> Path``: a fresh tmpfs, unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    mounted: list[Path] = []

    def mount(size_kb: int, *, read_only: bool = False) -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        options = f"size={size_kb}k" + (",ro" if read_only else "")
        done = _run("mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point))
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        _run("umount", "-l", str(point))


def remount_read_only(point: Path) -> None:
    done = _run("mount", "-o", "remount,ro", str(point))
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")


def fill(point: Path, leave_kb: int = 0) -> None:
    """Fill a tmpfs until only ``leave_kb`` are free (tmpfs counts whole 4 KB pages)."""
    free = shutil.disk_usage(point).free - leave_kb * 1024
    with open(point / "filler", "wb") as handle:
        try:
            handle.write(b"\0" * max(free, 0))
            handle.flush()
        except OSError as err:  # pragma: no cover - accounting rounded differently
            assert err.errno == errno.ENOSPC
    assert shutil.disk_usage(point).free <= leave_kb * 1024


@pytest.fixture
def immutable() -> Iterator[object]:
    """``make(path)``: ``chattr +i path``, undone afterwards so the folder can be removed."""
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        pytest.skip("chattr +i needs root and chattr(1)")
    marked: list[Path] = []

    def make(path: Path) -> None:
        done = _run("chattr", "+i", str(path))
        if done.returncode != 0:
            pytest.skip(f"this filesystem has no immutable flag: {done.stderr.strip()}")
        marked.append(path)

    yield make
    for path in marked:
        _run("chattr", "-i", str(path))


# -- an output path that cannot be a folder: exit 2 ------------------------------------------------


@pytest.mark.parametrize("command", ["render", "batch"])
def test_output_under_a_file_is_the_users_mistake(tmp_path: Path, command: str) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("not a folder")
    out = afile / "packs"
    extra = ONE_DOCX if command == "render" else ("-j", "1", "--log-format", "json")
    status, stdout, err = run_cli(command, EXAMPLE, "-o", out, *extra)
    assert (status, stdout) == (2, "")
    assert one_line(err) == f"cpcdocs: {out}: cannot be the output folder: {afile} is a file"
    assert afile.read_text() == "not a folder"


def test_output_that_is_a_file_is_refused_by_the_option(tmp_path: Path) -> None:
    afile = tmp_path / "out"
    afile.write_text("x")
    status, _, err = run_cli("render", EXAMPLE, "-o", afile, *ONE_DOCX)
    assert status == 2
    assert "is a file" in err and "Traceback" not in err


def test_init_under_a_file_is_the_users_mistake(tmp_path: Path) -> None:
    # init has no handler of its own: main()'s net gives a path through a file exit 2
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    status, _, err = run_cli("init", afile / "case")
    assert status == 2
    assert one_line(err) == f"cpcdocs: {afile / 'case' / 'authorities'}: Not a directory"


def test_check_out_and_prepare_out(tmp_path: Path) -> None:
    afile = tmp_path / "f"
    afile.write_text("x")
    for bad in (afile, afile / "a" / "b"):
        with pytest.raises(CpcdocsError) as caught:
            check_out(bad)
        assert caught.value.exit_status is ExitStatus.INVALID_INPUT
        with pytest.raises(CpcdocsError) as caught:
            prepare_out(bad)
        assert caught.value.exit_status is ExitStatus.INVALID_INPUT
    dangling = tmp_path / "link"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(CpcdocsError, match="broken link"):
        prepare_out(dangling / "out")
    check_out(tmp_path / "new" / "deeper")  # creates nothing
    assert not (tmp_path / "new").exists()
    assert prepare_out(tmp_path / "new" / "deeper").is_dir()


# -- real faults: read-only, immutable, full -------------------------------------------------------


def test_render_into_a_read_only_folder(tmpfs: object) -> None:
    out = tmpfs(256)  # type: ignore[operator]
    pack = fake_pack(out)
    before = snapshot(pack)
    remount_read_only(out)
    status, stdout, err = run_cli("render", EXAMPLE, "-o", out, *ONE_DOCX)
    assert (status, stdout) == (4, "")
    assert one_line(err) == (
        f"cpcdocs: {out}: cannot write in the output folder: Read-only file system; "
        "nothing was written"
    )
    assert snapshot(pack) == before
    assert hidden(out) == []


def test_render_under_a_read_only_folder_in_a_real_process(tmpfs: object) -> None:
    out = tmpfs(64, read_only=True) / "packs"  # type: ignore[operator]
    status, stdout, err = run_subprocess("render", EXAMPLE, "-o", out, *ONE_DOCX)
    assert (status, stdout) == (4, "")
    assert (
        one_line(err) == f"cpcdocs: {out}: cannot create the output folder: Read-only file system"
    )
    assert not out.exists()


def test_batch_into_a_read_only_folder_fails_at_the_lock(tmpfs: object) -> None:
    out = tmpfs(64, read_only=True)  # type: ignore[operator]
    status, stdout, err = run_cli("batch", EXAMPLE, "-o", out, "-j", "1", "--log-format", "json")
    assert (status, stdout) == (4, "")
    assert one_line(err) == (
        f"cpcdocs: {out / LOCK_NAME}: cannot create the batch lock: Read-only file system; "
        "nothing was done"
    )


def test_batch_on_a_full_disk_removes_its_half_written_lock(tmpfs: object) -> None:
    out = tmpfs(64)  # type: ignore[operator]
    fill(out)
    status, _, err = run_cli("batch", EXAMPLE, "-o", out, "-j", "1", "--log-format", "json")
    assert status == 4
    assert one_line(err) == (
        f"cpcdocs: {out / LOCK_NAME}: cannot write the batch lock: No space left on device; "
        "nothing was done"
    )
    assert hidden(out) == []


def test_render_on_a_full_disk_keeps_the_earlier_pack(tmpfs: object) -> None:
    out = tmpfs(256)  # type: ignore[operator]
    pack = fake_pack(out)
    before = snapshot(pack)
    fill(out, leave_kb=4)  # room for the staging folder, not for a DOCX
    status, stdout, err = run_cli("render", EXAMPLE, "-o", out, *ONE_DOCX)
    assert (status, stdout) == (4, "")
    assert one_line(err) == (
        f"cpcdocs: {out}: cannot write the pack of {EXAMPLE}: No space left on device; "
        "nothing was published"
    )
    assert snapshot(pack) == before
    assert hidden(out) == []


def test_render_into_an_immutable_folder(tmp_path: Path, immutable: object) -> None:
    out = tmp_path / "out"
    pack = fake_pack(out)
    before = snapshot(pack)
    immutable(out)  # type: ignore[operator]
    status, _, err = run_cli("render", EXAMPLE, "-o", out, *ONE_DOCX)
    assert status == 4
    assert one_line(err) == (
        f"cpcdocs: {out}: cannot write in the output folder: Operation not permitted; "
        "nothing was written"
    )
    assert snapshot(pack) == before
    assert hidden(out) == []


def test_an_immutable_earlier_pack_is_not_replaced(tmp_path: Path, immutable: object) -> None:
    out = tmp_path / "out"
    pack = fake_pack(out)
    before = snapshot(pack)
    immutable(pack)  # type: ignore[operator]
    status, _, err = run_cli("render", EXAMPLE, "-o", out, *ONE_DOCX)
    assert status == 4
    assert one_line(err) == (
        f"cpcdocs: {pack}: cannot replace the earlier pack: Operation not permitted; "
        "nothing was published and any earlier pack is unchanged"
    )
    assert snapshot(pack) == before
    assert hidden(out) == []  # the rendered staging folder was removed


def test_init_into_a_read_only_folder_is_one_line(tmpfs: object) -> None:
    # no command handles this OSError itself: main()'s net catches it
    out = tmpfs(64, read_only=True)  # type: ignore[operator]
    status, _, err = run_cli("init", out / "case")
    assert status == 4
    assert one_line(err) == f"cpcdocs: {out / 'case'}: Read-only file system"
    status, _, err = run_cli("--debug", "init", out / "case")
    assert status == 1
    assert "Traceback" in err


# -- the same paths without root: os calls made to fail --------------------------------------------


def test_lock_write_failure_leaves_no_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: bytes, offset: int) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(lock_module.os, "pwrite", full)
    with pytest.raises(OutputError, match="cannot write the batch lock: No space left"):
        BatchLock(tmp_path).acquire()
    assert not (tmp_path / LOCK_NAME).exists()
    monkeypatch.undo()
    with BatchLock(tmp_path) as lock:  # and the next batch takes it as if nothing happened
        assert lock.stale is None
    assert not (tmp_path / LOCK_NAME).exists()


def test_lock_that_cannot_be_taken_is_exit_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(lock_module.fcntl, "flock", no_locks)
    with pytest.raises(OutputError) as caught:
        BatchLock(tmp_path).acquire()
    assert caught.value.exit_status is ExitStatus.RENDER_ERROR
    assert "cannot lock the batch lock" in caught.value.message


def test_publish_that_cannot_move_the_old_pack_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = fake_pack(tmp_path)
    before = snapshot(pack)
    staging = stage(tmp_path, REF)
    (staging / "manifest.json").write_text("{}")
    real_rename = os.rename

    def rename(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        if Path(src) == pack:
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))
        real_rename(src, dst)

    monkeypatch.setattr(pub.os, "rename", rename)
    with pytest.raises(OutputError, match="cannot replace the earlier pack"):
        publish(staging, tmp_path, REF, durable=False)
    assert snapshot(pack) == before


def test_publish_whose_earlier_pack_cannot_be_put_back_says_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_pack(tmp_path)
    staging = stage(tmp_path, REF)
    real_rename = os.rename

    def rename(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        if Path(src) == staging or Path(dst) == tmp_path / REF:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_rename(src, dst)

    monkeypatch.setattr(pub.os, "rename", rename)
    with pytest.raises(OutputError) as caught:
        publish(staging, tmp_path, REF, durable=False)
    monkeypatch.undo()
    old = [p.name for p in tmp_path.iterdir() if p.name.startswith(".old-")]
    assert caught.value.message.endswith(f"the earlier pack is in {old[0]}")
    assert pub.recover(tmp_path)[0].startswith("restored")


def test_stage_in_a_folder_that_refuses_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if self.name.startswith(pub.STAGING_PREFIX):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(OutputError) as caught:
        stage(tmp_path / "out", REF)
    assert caught.value.message == (
        f"{tmp_path / 'out'}: cannot write in the output folder: Permission denied; "
        "nothing was written"
    )
