"""Backup and restore: database and stored files together; a round trip loses nothing."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from kanmin.accounts.models import User
from kanmin.audit.verify import verify_chain
from kanmin.core import backup, services
from kanmin.core.backup import BackupError

pytestmark = pytest.mark.django_db(transaction=True)


def _snapshot() -> list[dict]:
    out = io.StringIO()
    backup._dump(out)
    rows = json.loads(out.getvalue())
    for row in rows:
        # Encrypted values are re-encrypted on every dump (random IVs): compare plaintext.
        if row["model"] == "accounts.user":
            row["fields"]["phone"] = User.objects.get(pk=row["pk"]).phone
    return sorted(rows, key=lambda r: (r["model"], str(r["pk"])))


def _flush() -> None:
    call_command("flush", interactive=False, verbosity=0)


def test_round_trip_loses_nothing(tmp_path, miyakonojo, make_user):
    services.department_create(municipality=miyakonojo, actor=None, code="a", name_ja="情報政策課")
    user = make_user("steward", "data_steward", miyakonojo)
    user.phone = "0986-23-2111"
    user.save()
    default_storage.save("uploads/aed.csv", ContentFile("名称,緯度\nAED,31.7\n".encode()))
    before = _snapshot()
    archive = tmp_path / "kanmin.tar.gz"
    summary = backup.create_backup(archive)
    assert summary.files == 1 and summary.objects == len(before)

    _flush()
    default_storage.delete("uploads/aed.csv")
    assert not User.objects.exists()
    call_command("core_restore", str(archive), stdout=io.StringIO())

    assert _snapshot() == before
    assert User.objects.get(username="steward").phone == "0986-23-2111"
    assert User.objects.get(username="steward").has_perm("core.view_department", miyakonojo)
    with default_storage.open("uploads/aed.csv") as restored:
        assert restored.read().decode() == "名称,緯度\nAED,31.7\n"
    report = verify_chain()
    assert report.ok and report.checked > 0


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, miyakonojo):
    archive = tmp_path / "b.tar.gz"
    backup.create_backup(archive)
    with pytest.raises(BackupError, match="not empty"):
        backup.restore_backup(archive)


def test_restore_refuses_a_damaged_or_foreign_file(tmp_path, miyakonojo):
    bad = tmp_path / "not-a-backup.tar.gz"
    bad.write_bytes(b"hello")
    with pytest.raises(BackupError):
        backup.restore_backup(bad)


def test_backup_keeps_personal_data_encrypted(tmp_path, make_user):
    import tarfile

    user = make_user("taro")
    user.phone = "090-9999-8888"
    user.save()
    archive = tmp_path / "b.tar.gz"
    backup.create_backup(archive)
    with tarfile.open(archive) as tar:
        member = tar.extractfile("data.json")
        assert member is not None
        data = member.read().decode()
    assert "090-9999-8888" not in data
    assert "fernet:" in data


@pytest.mark.parametrize("modern", [True, False])
def test_extraction_refuses_links_and_paths_outside(tmp_path, monkeypatch, modern):
    import io
    import tarfile

    from kanmin.core import backup

    if not modern:  # as on Python 3.11.0-3.11.3 (Debian 12), which have no extraction filter
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    for name, kind in (("../outside.txt", tarfile.REGTYPE), ("link", tarfile.SYMTYPE)):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            member = tarfile.TarInfo(name)
            member.type = kind
            member.linkname = "/etc/passwd" if kind == tarfile.SYMTYPE else ""
            archive.addfile(member, io.BytesIO(b""))
        buffer.seek(0)
        target = tmp_path / name.replace("/", "_")
        target.mkdir()
        with tarfile.open(fileobj=buffer, mode="r:gz") as archive:
            with pytest.raises((backup.BackupError, tarfile.TarError)):
                backup._extract_safely(archive, str(target))
        assert not (tmp_path / "outside.txt").exists()
