"""Bad input never crashes the ingest and never applies half a delivery."""

from __future__ import annotations

import tarfile
import zipfile

from events.usecases.aaf_ingest import ingest
from projections import account_queries, delivery_queries, structure_queries
from tests.integration.conftest import T0


def _zip(src, dest):
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(src.glob("*.xml")):
            zf.write(part, part.name)
    return dest


def test_corrupted_zip_is_rejected_whole(ctx, academie, tmp_path):
    data = bytearray(_zip(academie.first, tmp_path / "d.zip").read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 4000):
        data[i] ^= 0x5A
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    result = ingest(str(bad), ctx, T0)
    assert (result.status, result.exit_code) == ("rejected", 2)
    assert result.reason in ("unreadable_archive", "unreadable_file", "malformed_xml")
    assert account_queries.accounts(ctx.db) == [] and structure_queries.structures(ctx.db) == []
    assert delivery_queries.deliveries(ctx.db)[0]["status"] == "rejected"


def test_truncated_tgz_is_rejected_whole(ctx, academie, tmp_path):
    archive = tmp_path / "d.tgz"
    with tarfile.open(archive, "w:gz") as tf:
        for part in sorted(academie.first.glob("*.xml")):
            tf.add(part, part.name)
    truncated = tmp_path / "truncated.tgz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    result = ingest(str(truncated), ctx, T0)
    assert result.status == "rejected" and result.exit_code == 2
    assert account_queries.accounts(ctx.db) == []


def test_good_zip_equals_directory(ctx, academie, tmp_path):
    result = ingest(str(_zip(academie.first, tmp_path / "d.zip")), ctx, T0)
    assert result.status == "applied"
    students = [a for a in account_queries.accounts(ctx.db) if a["profile"] == "ELEVE"]
    assert len(students) == academie.manifest["deliveries"]["20260818-complet"]["records"]["Eleve"]["add"]


def test_missing_path_is_rejected(ctx, tmp_path):
    result = ingest(str(tmp_path / "nowhere"), ctx, T0)
    assert (result.status, result.reason) == ("rejected", "not_found")


def test_a_single_part_file_is_a_delivery(ctx, academie):
    part = next(academie.first.glob("*_EtabEducNat_0000.xml"))
    result = ingest(str(part), ctx, T0)
    assert result.status == "applied"
    assert {s["uai"] for s in structure_queries.structures(ctx.db)} == {
        e["uai"] for e in academie.manifest["establishments"]
    }


def test_a_file_that_is_no_delivery_is_rejected(ctx, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a delivery")
    result = ingest(str(junk), ctx, T0)
    assert (result.status, result.exit_code) == ("rejected", 2)
    assert account_queries.accounts(ctx.db) == []
