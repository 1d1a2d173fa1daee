"""Writes of the specifications' lists of 業務 (the Ⅴ-4 denominators, ``spec_models``).

A list is entered once per version and never edited: a specification's new list is a new
version with its own ``valid_from``, so a year's figure keeps counting the list it counted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from kanmin.core.actions import Changed, Outcome, action
from kanmin.core.errors import Invalid
from kanmin.core.models import Municipality
from kanmin.governance.models import BUSINESS_AREA_NAMES_JA
from kanmin.governance.spec_models import Spec, SpecBusiness, SpecList

# A 業務 given by its code or by its name (as BUSINESS_AREA_NAMES_JA writes it).
_CODE_BY_NAME = {name: code for code, name in BUSINESS_AREA_NAMES_JA.items()} | {
    str(code): str(code) for code in BUSINESS_AREA_NAMES_JA
}


def _entries(businesses: list[Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """((code, name as given), …) in order, and the unknown ones. An entry is a code, a name,
    or a pair (code or name, name as the specification writes it)."""
    entries: list[tuple[str, str]] = []
    unknown: list[str] = []
    for entry in businesses:
        key, name = (entry, None) if isinstance(entry, str) else entry
        key = str(key).strip()
        code = _CODE_BY_NAME.get(key)
        if code is None:
            unknown.append(key)
            continue
        entries.append((code, (name or BUSINESS_AREA_NAMES_JA[code]).strip()))
    return entries, unknown


@action("governance.spec_list.create", perm="governance.change_informationsystem")
def spec_list_create(
    *,
    municipality: Municipality,
    actor: Any,
    spec: str,
    version: str,
    valid_from: dt.date,
    businesses: list[Any],
    note: str = "",
) -> Outcome[SpecList]:
    """Record a version of a specification's list of 業務 (``businesses``: codes or names of
    the register's 業務, or (code, name in the specification) pairs)."""
    problems: dict[str, list[Any]] = {}
    version = (version or "").strip()
    if spec not in Spec.values:
        problems["spec"] = [_("Choose the specification the list belongs to.")]
    if not version:
        problems["version"] = [_("Give the version of the specification, e.g. V2.6.")]
    entries, unknown = _entries(list(businesses or []))
    if unknown:
        problems["businesses"] = [
            _("Unknown business: %(names)s. Use the names of the register's businesses.")
            % {"names": ", ".join(unknown)}
        ]
    elif not entries:
        problems["businesses"] = [_("A list names at least one business.")]
    codes = [code for code, _name in entries]
    if len(set(codes)) != len(codes):
        problems.setdefault("businesses", []).append(_("A business is named twice in the list."))
    taken = SpecList.all_tenants.filter(municipality=municipality, spec=spec)
    if version and taken.filter(version=version).exists():
        problems["version"] = [
            _("This version of the list exists already: a new list needs a new version.")
        ]
    if taken.filter(valid_from=valid_from).exists():
        problems["valid_from"] = [
            _("Another version of the list is valid from the same day: choose another day.")
        ]
    if problems:
        raise Invalid(fields=problems, code="invalid_spec_list")
    spec_list = SpecList.all_tenants.create(
        municipality=municipality, spec=spec, version=version, valid_from=valid_from, note=note
    )
    SpecBusiness.all_tenants.bulk_create(
        [
            SpecBusiness(
                municipality=municipality,
                spec_list=spec_list,
                business=code,
                name=name,
                position=i,
            )
            for i, (code, name) in enumerate(entries, start=1)
        ]
    )
    return Changed(
        spec_list,
        after={
            "spec": spec,
            "version": version,
            "valid_from": valid_from.isoformat(),
            "businesses": codes,
        },
    )
