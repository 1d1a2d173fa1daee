"""Rules for uploaded files that pages, the CKAN API and services share."""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kanmin.catalog.models import TABULAR_EXTENSIONS
from kanmin.core.errors import Invalid


def upload_limit() -> int:
    """The largest file a user may upload, in bytes (0: no limit)."""
    return int(getattr(settings, "FILE_UPLOAD_MAX_BYTES", 0) or 0)


def too_large_error(size: int) -> Invalid:
    limit = upload_limit()
    return Invalid(
        _("The file is too large: %(size)s; the limit is %(limit)s.")
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        fields={
            "upload": [
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            ]
        },
        code="too_large",
    )


def standard_file_name(lg_code: str, standard: str, filename: str) -> str:
    """A tabular file of a standard data set is stored under the standard's file name rule,
    ``<全国地方公共団体コード>_<slug>.<ext>`` (``452025_aed.csv``); other files keep their name."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    slug = standard.split("/")[-1]
    if not slug or ext not in TABULAR_EXTENSIONS:
        return filename
    return f"{lg_code}_{slug}.{ext}"
