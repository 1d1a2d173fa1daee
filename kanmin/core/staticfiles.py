"""The storage of static files in production: WhiteNoise's hashed, compressed files, tolerant
of one defect of vendored browser code.

A minified file of a third-party package may name a source map (``//# sourceMappingURL=…``)
that its package does not ship (Leaflet.markercluster's ``leaflet.markercluster.js``).
Django's manifest storage stops ``collectstatic`` on such a reference; here the comment is
left as it is instead (a browser asks for the map only when its developer tools are open). A
missing file named anywhere else (``url()`` in CSS, an import) still stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStorage(CompressedManifestStaticFilesStorage):
    def url_converter(
        self, name: str, hashed_files: dict[str, Any], template: str | None = None
    ) -> Callable[[Any], str]:
        convert = super().url_converter(name, hashed_files, template)

        def converter(matchobj: Any) -> str:
            try:
                return convert(matchobj)
            except ValueError:
                matched: str = matchobj["matched"]
                if "sourceMappingURL=" in matched:
                    return matched
                raise

        return converter
