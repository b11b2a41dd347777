"""Only regular files, and directories and archives of them, are read
(adapters/items.py): a FIFO blocks when opened, a link reads outside the
item, a link member of an archive was skipped silently (issue 18, points 2
and 3). Real files, FIFOs and links in a temporary directory."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from adapters.aaf.files import discover
from adapters.errors import DeliveryRejected
from adapters.items import unsafe
from adapters.sniff import kind_of
from events.usecases.formats import not_importable

AAF = Path(__file__).resolve().parents[1] / "fixtures" / "aaf" / "values"


def test_regular_files_directories_and_archives_of_them_are_safe(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "sub" / "a.xml").write_text("<a/>")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as zf:
        zf.writestr("a.xml", "<a/>")
    assert unsafe(tmp_path / "d") is None and unsafe(tmp_path / "z.zip") is None
    assert unsafe(tmp_path / "missing") is None  # the caller says not_found


def test_a_fifo_is_refused_without_being_opened(tmp_path):
    fifo = tmp_path / "export.xml"
    os.mkfifo(fifo)
    done = threading.Event()

    def sniff():
        assert kind_of(fifo) == "unsafe"  # opening it would block this thread for ever
        done.set()

    threading.Thread(target=sniff, daemon=True).start()
    assert done.wait(5), "kind_of opened the FIFO"
    refused = not_importable(fifo, "unsafe")
    assert refused.reason == "unsafe_item" and "FIFO" in refused.message


def test_a_directory_delivery_whose_part_is_a_link_is_refused_whole(tmp_path):
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    parts = sorted(AAF.glob("*.xml"))
    for p in parts[1:]:
        (delivery / p.name).write_bytes(p.read_bytes())
    (delivery / parts[0].name).symlink_to(parts[0])  # a valid part, from elsewhere
    found = unsafe(delivery)
    assert (found.member, found.what) == (parts[0].name, "a symbolic link")
    with pytest.raises(DeliveryRejected) as err:
        discover(delivery)
    assert err.value.reason == "unsafe_item" and parts[0].name in err.value.message
    # A link to a directory is not walked into either.
    (delivery / parts[0].name).unlink()
    (delivery / parts[0].name).write_bytes(parts[0].read_bytes())
    (delivery / "more").symlink_to(AAF, target_is_directory=True)
    assert unsafe(delivery).member == "more"


def test_the_item_itself_as_a_link_is_refused(tmp_path):
    link = tmp_path / "delivery"
    link.symlink_to(AAF, target_is_directory=True)
    assert unsafe(link).what == "a symbolic link" and kind_of(link) == "unsafe"


def _zip_with_link(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for p in sorted(AAF.glob("*.xml"))[1:]:
            zf.write(p, p.name)
        info = zipfile.ZipInfo(sorted(AAF.glob("*.xml"))[0].name)
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")


def _tar_with(path: Path, kind: bytes) -> None:
    with tarfile.open(path, "w:gz") as tf:
        for p in sorted(AAF.glob("*.xml"))[1:]:
            tf.add(p, p.name)
        member = tarfile.TarInfo(sorted(AAF.glob("*.xml"))[0].name)
        member.type = kind
        member.linkname = sorted(AAF.glob("*.xml"))[1].name
        tf.addfile(member, io.BytesIO(b""))


@pytest.mark.parametrize(
    "make, what",
    [
        (_zip_with_link, "a symbolic link"),
        (lambda p: _tar_with(p, tarfile.SYMTYPE), "a symbolic link"),
        (lambda p: _tar_with(p, tarfile.LNKTYPE), "a hard link"),
        (lambda p: _tar_with(p, tarfile.FIFOTYPE), "a FIFO (named pipe)"),
        (lambda p: _tar_with(p, tarfile.CHRTYPE), "a device"),
    ],
    ids=["zip-symlink", "tar-symlink", "tar-hardlink", "tar-fifo", "tar-device"],
)
def test_an_archive_member_that_is_not_a_regular_file_refuses_the_delivery(tmp_path, make, what):
    archive = tmp_path / "delivery.tgz"
    make(archive)
    found = unsafe(archive)
    assert found.what == what and found.member.endswith(".xml")
    with pytest.raises(DeliveryRejected) as err:
        discover(archive)  # it used to apply the others, a whole category missing
    assert err.value.reason == "unsafe_item"
