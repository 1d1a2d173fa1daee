"""An attachment file whose upload's transaction rolls back is left without its row (Django
has no on-rollback hook); ``kanmin procedures sweep-orphans`` deletes such files once they
are old enough not to belong to an upload in progress, and never a file a row names."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from kanmin.procedures import apply_services as services
from kanmin.procedures.models import Attachment
from kanmin.procedures.tests.apply_helpers import JPEG, install

pytestmark = pytest.mark.django_db


def _files() -> set[str]:
    root = services.attachments_dir()
    return {str(p.relative_to(root)) for p in root.rglob("*.bin")}


def _age(relative: str, minutes: int) -> None:
    path = services.attachments_dir() / relative
    then = time.time() - minutes * 60
    os.utime(path, (then, then))


def test_a_rolled_back_upload_leaves_a_file_that_the_sweep_removes(
    settings: Any, tmp_path: Any, miyakonojo: Any
) -> None:
    settings.DATA_DIR = tmp_path
    form = install(miyakonojo)
    kept_draft, lost_draft = services.draft_start(form), services.draft_start(form)
    card = services.spec_of(kept_draft).question("insurance_card")
    kept = services.attachment_add(kept_draft, card, SimpleUploadedFile("card.jpg", JPEG))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.attachment_add(lost_draft, card, SimpleUploadedFile("card.jpg", JPEG))
        raise RuntimeError("the request failed after the upload")
    assert list(Attachment.objects.values_list("path", flat=True)) == [kept.path]
    orphans = _files() - {kept.path}
    assert len(orphans) == 1  # the rolled-back upload's file is still on disk
    (orphan,) = orphans
    # Too young: it could be an upload whose transaction has not committed yet.
    assert services.attachment_orphans_sweep() == []
    _age(orphan, 61)
    _age(kept.path, 61)
    out = io.StringIO()
    call_command("procedures_sweep_orphans", stdout=out)
    assert f"removed {orphan}" in out.getvalue()
    assert _files() == {kept.path}  # the file a row names stays, however old
    assert services.attachment_content(kept) == JPEG
    assert services.attachment_orphans_sweep(older_than=dt.timedelta(0)) == []
