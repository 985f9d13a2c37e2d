"""Publishing a pack: all or nothing, beside the destination, recoverable after a crash."""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import pytest

from cpcdocs import publish as pub
from cpcdocs.errors import OutputError
from cpcdocs.publish import discard, publish, recover, stage

REF = "NM-2026-0412"


def write_pack(folder: Path, marker: str, files: int = 3) -> None:
    for i in range(files):
        path = folder / f"recipient-{i}" / "invitation.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{marker} {i}")
    (folder / "manifest.json").write_text(f'{{"case": "{REF}", "marker": "{marker}"}}')


def pack_markers(folder: Path) -> set[str]:
    return {p.read_text().split()[0] for p in folder.rglob("invitation.pdf")}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def test_stage_is_a_hidden_folder_beside_the_destination(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first, second = stage(out, REF), stage(out, REF)
    assert first.parent == out and second.parent == out
    assert first.name.startswith(f".staging-{REF}-") and first != second
    assert first.is_dir() and not any(first.iterdir())


def test_publish_moves_the_whole_pack_into_place(tmp_path: Path) -> None:
    staging = stage(tmp_path, REF)
    write_pack(staging, "new")
    target = publish(staging, tmp_path, REF)
    assert target == tmp_path / REF
    assert pack_markers(target) == {"new"}
    assert not staging.exists()
    assert leftovers(tmp_path) == []


def test_publish_replaces_an_earlier_pack_and_leaves_nothing_behind(tmp_path: Path) -> None:
    first = stage(tmp_path, REF)
    write_pack(first, "old", files=5)
    publish(first, tmp_path, REF)
    second = stage(tmp_path, REF)
    write_pack(second, "new", files=2)
    publish(second, tmp_path, REF, durable=False)
    assert pack_markers(tmp_path / REF) == {"new"}
    assert len(list((tmp_path / REF).rglob("invitation.pdf"))) == 2  # no stale files kept
    assert leftovers(tmp_path) == []


def test_a_failed_render_leaves_the_earlier_pack_untouched(tmp_path: Path) -> None:
    first = stage(tmp_path, REF)
    write_pack(first, "old")
    publish(first, tmp_path, REF)
    before = {p: p.read_bytes() for p in (tmp_path / REF).rglob("*") if p.is_file()}

    staging = stage(tmp_path, REF)
    write_pack(staging, "half", files=1)
    discard(staging)  # what render does when a template or the audit fails

    after = {p: p.read_bytes() for p in (tmp_path / REF).rglob("*") if p.is_file()}
    assert after == before
    assert leftovers(tmp_path) == []


def test_a_failing_final_rename_puts_the_earlier_pack_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = stage(tmp_path, REF)
    write_pack(first, "old")
    publish(first, tmp_path, REF)
    staging = stage(tmp_path, REF)
    write_pack(staging, "new")
    real_rename = os.rename

    def rename(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        if Path(src) == staging:
            raise OSError(errno.EIO, "disk on fire")
        real_rename(src, dst)

    monkeypatch.setattr(pub.os, "rename", rename)
    with pytest.raises(OutputError, match="disk on fire"):
        publish(staging, tmp_path, REF)
    monkeypatch.setattr(pub.os, "rename", real_rename)
    assert pack_markers(tmp_path / REF) == {"old"}
    assert leftovers(tmp_path) == [staging.name]  # the caller discards it


def test_recover_restores_a_pack_lost_between_the_two_renames(tmp_path: Path) -> None:
    first = stage(tmp_path, REF)
    write_pack(first, "old")
    publish(first, tmp_path, REF)
    # Simulate a crash after step 1 (pack moved aside) and before step 2.
    os.rename(tmp_path / REF, tmp_path / f".old-{REF}-0123abcd")
    assert not (tmp_path / REF).exists()

    done = recover(tmp_path)

    assert pack_markers(tmp_path / REF) == {"old"}
    assert done == [f"restored {tmp_path / REF} from .old-{REF}-0123abcd"]
    assert leftovers(tmp_path) == []


def test_recover_removes_old_packs_already_replaced_and_stale_staging(tmp_path: Path) -> None:
    current = stage(tmp_path, REF)
    write_pack(current, "new")
    publish(current, tmp_path, REF)
    old = tmp_path / f".old-{REF}-00ff"  # a crash after step 2, before step 3
    old.mkdir()
    write_pack(old, "old")
    stale, fresh = stage(tmp_path, REF), stage(tmp_path, "OTHER-1")
    an_hour_ago = time.time() - 2 * 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))

    done = recover(tmp_path)

    assert pack_markers(tmp_path / REF) == {"new"}
    assert not old.exists() and not stale.exists()
    assert fresh.exists(), "a young staging folder may belong to a run still going"
    assert f"removed stale {stale.name}" in done


def test_a_lock_holder_clears_every_staging_folder(tmp_path: Path) -> None:
    fresh = stage(tmp_path, REF)
    write_pack(fresh, "killed")
    assert recover(tmp_path) == []
    assert recover(tmp_path, stale_after=0) == [f"removed stale {fresh.name}"]
    assert leftovers(tmp_path) == []


def test_recover_ignores_other_folders(tmp_path: Path) -> None:
    (tmp_path / ".old-notes").mkdir()
    (tmp_path / "another-case").mkdir()
    assert recover(tmp_path) == []
    assert recover(tmp_path / "missing") == []
    assert (tmp_path / ".old-notes").exists()


def test_concurrent_publishes_of_one_case_leave_one_whole_pack(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                staging = stage(tmp_path, REF)
                write_pack(staging, f"w{n}.{i}", files=4)
                publish(staging, tmp_path, REF, durable=False)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    markers = pack_markers(tmp_path / REF)
    assert len(markers) == 1, "files from two packs were mixed"
    assert len(list((tmp_path / REF).rglob("invitation.pdf"))) == 4
    recover(tmp_path)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("reference", ["../x", "", ".hidden", "a/b", "NM 1"])
def test_unsafe_references_are_refused(tmp_path: Path, reference: str) -> None:
    with pytest.raises(ValueError, match="safe pack folder"):
        stage(tmp_path, reference)


def test_staging_must_be_beside_the_destination(tmp_path: Path) -> None:
    elsewhere = stage(tmp_path / "a", REF)
    with pytest.raises(ValueError, match="not beside"):
        publish(elsewhere, tmp_path / "b", REF)
