"""collectstatic with the production storage (hashed, compressed files) works with the
vendored browser code: Leaflet's CSS points at hashed images, and Leaflet.markercluster's
minified file, whose package lacks the source map it names, does not stop it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings

from kanmin.core.staticfiles import ManifestStorage


def test_collectstatic_with_the_manifest_storage(tmp_path: Path, settings: Any) -> None:
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "kanmin.core.staticfiles.ManifestStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        # (Django's test signals build the storage again for the new STORAGES.)
        call_command("collectstatic", interactive=False, verbosity=0)
        assert isinstance(staticfiles_storage._wrapped, ManifestStorage)  # type: ignore[attr-defined]
        leaflet_js = staticfiles_storage.url("vendor/leaflet/leaflet.js")
        cluster_js = staticfiles_storage.url(
            "vendor/leaflet-markercluster/leaflet.markercluster.js"
        )
        css = staticfiles_storage.stored_name("vendor/leaflet/leaflet.css")
    assert leaflet_js != "/static/vendor/leaflet/leaflet.js"  # hashed
    hashed_css = (tmp_path / css).read_text()
    marker = next(p.name for p in (tmp_path / "vendor/leaflet/images").glob("marker-icon.*.png"))
    assert f"images/{marker}" in hashed_css
    cluster = tmp_path / cluster_js.removeprefix("/static/")
    assert (
        cluster.read_text().rstrip().endswith("//# sourceMappingURL=leaflet.markercluster.js.map")
    )
    assert Path(f"{cluster}.gz").exists()
