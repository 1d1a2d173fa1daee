"""The CKAN actions Kanmin answers. Each docstring is what ``help_show`` returns, so it keeps
CKAN's ``:param:`` style. Read actions are side-effect free (GET allowed); writes need a token.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kanmin.catalog import licenses, search, selectors, services
from kanmin.catalog.ckan import dictize, people
from kanmin.catalog.models import Dataset, DatasetState, Group, Organization, Resource, Tag
from kanmin.core.errors import Invalid, NotFound, PermissionDenied
from kanmin.core.models import Municipality

CKAN_VERSION = "2.12.0"
ROWS_MAX = 1000


@dataclass
class Context:
    """Who calls, and which catalog: ``municipality`` is None at the root API."""

    request: HttpRequest
    municipality: Municipality | None
    user: Any
    token_municipality: Municipality | None

    def write_municipality(self) -> Municipality:
        """The municipality a write goes to: the token's, which must match the URL's."""
        if self.token_municipality is None:
            raise PermissionDenied(_("User  not authorized to change this catalog"))
        if self.municipality is not None and self.municipality.pk != self.token_municipality.pk:
            raise PermissionDenied(_("The API token belongs to another municipality"))
        return self.token_municipality


ActionFunction = Callable[[Context, dict[str, Any]], Any]


@dataclass(frozen=True)
class Action:
    function: ActionFunction
    side_effect_free: bool


ACTIONS: dict[str, Action] = {}


def action(*, side_effect_free: bool) -> Callable[[ActionFunction], ActionFunction]:
    def register(function: ActionFunction) -> ActionFunction:
        ACTIONS[function.__name__] = Action(function, side_effect_free)
        return function

    return register


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def _bool(value: Any, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def _int(data: dict[str, Any], key: str, default: int, *, minimum: int = 0) -> int:
    value = data.get(key)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(fields={key: [_("Invalid integer")]}) from None
    if number < minimum:
        raise Invalid(fields={key: [_("Must be a natural number")]})
    return number


def _required(data: dict[str, Any], key: str, *aliases: str) -> str:
    for name in (key, *aliases):
        value = data.get(name)
        if value not in (None, ""):
            return str(value)
    raise Invalid(fields={key: [_("Missing value")]})


def _json_list(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise Invalid(
                fields={key: [_("Could not parse as valid JSON"), _("Not a list")]}
            ) from None
    if not isinstance(value, list):
        raise Invalid(fields={key: [_("Not a list")]})
    return [str(v) for v in value]


# --------------------------------------------------------------------------------------------
# Read actions
# --------------------------------------------------------------------------------------------


@action(side_effect_free=True)
def status_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return the site's name, description, URL, default language and the CKAN API version
    this server is compatible with.

    :rtype: dictionary
    """
    site_url = ctx.request.build_absolute_uri("/").rstrip("/")
    title = "Kanmin"
    if ctx.municipality is not None:
        title = f"{ctx.municipality.name_ja} オープンデータ (Kanmin)"
    return {
        "site_title": title,
        "site_description": "",
        "site_url": site_url,
        "error_emails_to": "",
        "locale_default": "ja",
        "extensions": ["datastore"],
        "ckan_version": CKAN_VERSION,
    }


@action(side_effect_free=True)
def package_list(ctx: Context, data: dict[str, Any]) -> list[str]:
    """Return the names of the site's public datasets, sorted by name.

    At the root API, a name that several municipalities use is listed as its dataset id.

    :param limit: if given, the list of datasets will be broken into pages of at most
        ``limit`` datasets per page and only one page will be returned at a time (optional)
    :type limit: int
    :param offset: when ``limit`` is given, the offset to start returning packages from
    :type offset: int

    :rtype: list of strings
    """
    limit = data.get("limit")
    return selectors.public_dataset_names(
        municipality=ctx.municipality,
        limit=_int(data, "limit", 0) if limit not in (None, "") else None,
        offset=_int(data, "offset", 0),
    )


SEARCH_PARAMS = {
    "q",
    "fq",
    "fq_list",
    "rows",
    "start",
    "sort",
    "facet",
    "facet.field",
    "facet.limit",
    "facet.mincount",
    "include_private",
    "include_drafts",
    "include_deleted",
    "fl",
    "use_default_schema",
    "qf",
    "bf",
    "boost",
    "tie",
    "defType",
    "mm",
    "df",
}


def _facet_limit(data: dict[str, Any]) -> int:
    value = data.get("facet.limit")
    if value in (None, ""):
        return 50
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid(fields={"facet.limit": [_("Invalid integer")]}) from None


@action(side_effect_free=True)
def package_search(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Search for datasets. Any Japanese substring of titles, descriptions, tags and
    resource names is found, regardless of full-/half-width and hiragana/katakana.

    :param q: the query, default ``*:*``. Words and ``"phrases"`` match anywhere; fielded
        terms ``name:``, ``title:``, ``notes:``, ``tags:``, ``groups:``, ``organization:``,
        ``owner_org:``, ``res_format:``, ``res_name:``, ``license_id:``,
        ``standard_dataset:``, ``municipality:``; ``AND``, ``OR``, ``NOT``, ``+``, ``-``,
        parentheses, a trailing ``*``, and ranges of times on ``metadata_modified`` and
        ``metadata_created``: ``[2020-01-01T00:00:00Z TO *]``, ``{a TO b}``, ``NOW-7DAYS``
        (optional)
    :type q: string
    :param fq: a filter query in the same syntax (optional)
    :type fq: string
    :param fq_list: more filter queries (optional)
    :type fq_list: list of strings
    :param sort: ``name asc``, ``title_string asc``, ``metadata_modified desc``,
        ``metadata_created desc``, ``id asc``; default ``score desc, metadata_modified desc``
    :type sort: string
    :param rows: the number of datasets to return, at most 1000 (default 10)
    :type rows: int
    :param start: the offset of the first dataset to return (optional)
    :type start: int
    :param facet.field: the fields to facet on, as a JSON list: ``organization``,
        ``groups``, ``tags``, ``res_format``, ``license_id``, ``standard_dataset``,
        ``municipality``
    :type facet.field: list of strings
    :param facet.limit: the number of items per facet, negative for all (default 50)
    :type facet.limit: int
    :param facet.mincount: the smallest count a facet item needs (default 1)
    :type facet.mincount: int
    :param include_private: include private datasets of your municipality (default false)
    :type include_private: bool
    :param include_drafts: include drafts of your municipality (default false)
    :type include_drafts: bool
    :param fl: the fields each result has, separated by commas or spaces (``id,name``);
        default all (optional)
    :type fl: string or list of strings

    Unknown parameters (other than ``ext_*``) are a ``Search Query Error``.

    :returns: ``count``, ``results``, ``sort``, ``facets`` and ``search_facets``
    :rtype: dictionary
    """
    unknown = sorted(k for k in data if k not in SEARCH_PARAMS and not k.startswith("ext_"))
    if unknown:
        raise search.QueryError(
            _('Search Query is invalid: "Invalid search parameters: %(params)s"')
            % {"params": unknown}
        )
    rows = min(_int(data, "rows", 10), ROWS_MAX)
    start = _int(data, "start", 0)
    facet_fields = _json_list(data, "facet.field") if _bool(data.get("facet"), True) else []
    fq = data.get("fq") or ""
    fq_list = data.get("fq_list") or []
    if isinstance(fq_list, str):
        fq_list = [fq_list]
    q = data.get("q") or ""
    if isinstance(q, list) or isinstance(fq, list):
        raise search.QueryError(_("Search Query is invalid: give q and fq once."))
    result = search.dataset_search(
        municipality=ctx.municipality,
        viewer=ctx.user,
        staff_within=ctx.token_municipality,
        q=str(q),
        fq=[str(fq), *[str(f) for f in fq_list]],
        sort=str(data["sort"]) if data.get("sort") else None,
        rows=rows,
        start=start,
        facet_fields=facet_fields,
        facet_limit=_facet_limit(data),
        facet_mincount=_int(data, "facet.mincount", 1),
        include_private=_bool(data.get("include_private")),
        include_drafts=_bool(data.get("include_drafts")),
    )
    answer = dictize.search_dict(ctx.request, result, selectors.package_details(result.ids))
    fields = _field_list(data.get("fl"))
    if fields:
        # CKAN asks Solr for only these fields: each result has those it has, and no others.
        answer["results"] = [
            {key: package[key] for key in fields if key in package} for package in answer["results"]
        ]
    return answer


def _field_list(value: Any) -> list[str]:
    """``fl`` (``id,name``, ``id name`` or a list of those) as field names; [] for all."""
    parts = value if isinstance(value, list) else [value] if value else []
    names = [n for part in parts for n in str(part).replace(",", " ").split()]
    return [] if "*" in names else list(dict.fromkeys(names))


@action(side_effect_free=True)
def package_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata of a dataset and its resources.

    :param id: the id or name of the dataset (``name_or_id`` is accepted too)
    :type id: string
    :param include_tracking: add ``tracking_summary`` (``total`` and ``recent``: the last
        14 days) of page views to the dataset and of downloads to each resource
        (default false)
    :type include_tracking: bool

    :rtype: dictionary
    """
    # CKAN reads ``id``, else ``name_or_id``, and names the latter when both are missing.
    id_or_name = _required(data, "name_or_id", "id") if not data.get("id") else str(data["id"])
    pk = selectors.dataset_id_get(
        municipality=ctx.municipality,
        viewer=ctx.user,
        staff_within=ctx.token_municipality,
        id_or_name=id_or_name,
    )
    result = dictize.package_dict(ctx.request, selectors.package_details([pk])[0])
    if _bool(data.get("include_tracking")):
        hits = selectors.dataset_hits(dataset_id=pk, today=timezone.localdate())
        result["tracking_summary"] = hits["views"]
        for resource in result["resources"]:
            none = {"total": 0, "recent": 0}
            resource["tracking_summary"] = hits["by_resource"].get(resource["id"], none)
    return result


@action(side_effect_free=True)
def resource_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata of a resource.

    :param id: the id of the resource
    :type id: string

    :rtype: dictionary
    """
    resource = selectors.resource_get(
        municipality=ctx.municipality,
        viewer=ctx.user,
        staff_within=ctx.token_municipality,
        id=_required(data, "id"),
    )
    return dictize.resource_dict(ctx.request, resource)


def _group_like_list(
    ctx: Context, data: dict[str, Any], queryset: Any, to_dict: Callable[..., dict[str, Any]]
) -> list[Any]:
    all_fields = _bool(data.get("all_fields"))
    q = str(data.get("q") or "")
    if q:
        queryset = queryset.filter(
            Q(name__icontains=q) | Q(title_ja__icontains=q) | Q(description__icontains=q)
        )
    restrict = data.get("organizations") or data.get("groups")
    if restrict:
        names = restrict if isinstance(restrict, list) else str(restrict).split(",")
        queryset = queryset.filter(name__in=names)
    sort = str(data.get("sort") or "title asc").split()
    key = {"name": "name", "title": "title_ja", "package_count": "package_count"}.get(sort[0])
    if key is None:
        raise Invalid(fields={"sort": [_("Cannot sort by %(sort)s") % {"sort": sort[0]}]})
    desc = len(sort) > 1 and sort[1].lower() == "desc"
    queryset = queryset.order_by(("-" if desc else "") + key, "name", "pk")
    limit = _int(data, "limit", 25 if all_fields else 1000)
    offset = _int(data, "offset", 0)
    rows = list(queryset[offset : offset + limit])
    if all_fields:
        return [to_dict(row) for row in rows]
    if ctx.municipality is None:
        # At the root, a name several municipalities use is given as the id instead.
        model = queryset.model
        names = [row.name for row in rows]
        duplicated = set(
            model.all_tenants.filter(name__in=names)
            .values("name")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list("name", flat=True)
        )
        return [str(row.pk) if row.name in duplicated else row.name for row in rows]
    return [row.name for row in rows]


@action(side_effect_free=True)
def organization_list(ctx: Context, data: dict[str, Any]) -> list[Any]:
    """Return the organizations (publishing units): their names, or with ``all_fields``
    their details.

    :param all_fields: return dictionaries instead of names (default false)
    :type all_fields: bool
    :param sort: ``name``, ``title`` or ``package_count``, then ``asc`` or ``desc``
        (default ``title asc``)
    :type sort: string
    :param limit: the largest number of organizations (1000, or 25 with all_fields)
    :type limit: int
    :param offset: the offset of the first organization (optional)
    :type offset: int
    :param q: only organizations whose name or title contains this (optional)
    :type q: string
    :param organizations: only these names (optional)
    :type organizations: list of strings

    :rtype: list of strings or dictionaries
    """
    return _group_like_list(
        ctx,
        data,
        selectors.organization_list(municipality=ctx.municipality),
        dictize.organization_dict,
    )


def _package_dicts(ctx: Context, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """The package dicts of datasets already found visible, in the order of ``ids``."""
    return [dictize.package_dict(ctx.request, d) for d in selectors.package_details(ids)]


def _packages_of(ctx: Context, field: str, obj: Organization | Group) -> list[dict[str, Any]]:
    result = search.dataset_search(
        municipality=ctx.municipality,
        viewer=ctx.user,
        staff_within=ctx.token_municipality,
        fq=[f"{field}:{obj.pk}" if field == "owner_org" else f"groups:{obj.name}"],
        rows=10,
        sort="metadata_modified desc",
    )
    return _package_dicts(ctx, result.ids)


@action(side_effect_free=True)
def organization_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return an organization.

    :param id: the id or name of the organization
    :type id: string
    :param include_datasets: include its first 10 public datasets as ``packages``
        (default false)
    :type include_datasets: bool
    :param include_users: list its ``users`` with their ``capacity`` (default true; given only
        to staff of its municipality, others get an empty list)
    :type include_users: bool

    :rtype: dictionary
    """
    org = selectors.organization_get(
        municipality=ctx.municipality, id_or_name=_required(data, "id")
    )
    result = dictize.organization_dict(org)
    result.update(
        {"extras": dictize.extras_list(org.extras), "groups": [], "users": [], "tags": []}
    )
    if _bool(data.get("include_users"), True) and people.may_see_users_of(
        ctx.user, org.municipality_id
    ):
        result["users"] = [
            people.user_dict(user, ctx.user, capacity=capacity)
            for user, capacity in people.organization_members(org)
        ]
    if _bool(data.get("include_datasets")):
        result["packages"] = _packages_of(ctx, "owner_org", org)
    return result


@action(side_effect_free=True)
def group_list(ctx: Context, data: dict[str, Any]) -> list[Any]:
    """Return the groups (categories): their names, or with ``all_fields`` their details.

    :param all_fields: return dictionaries instead of names (default false)
    :type all_fields: bool
    :param sort: ``name``, ``title`` or ``package_count``, then ``asc`` or ``desc``
        (default ``title asc``)
    :type sort: string
    :param limit: the largest number of groups (1000, or 25 with all_fields)
    :type limit: int
    :param offset: the offset of the first group (optional)
    :type offset: int
    :param q: only groups whose name or title contains this (optional)
    :type q: string
    :param groups: only these names (optional)
    :type groups: list of strings

    :rtype: list of strings or dictionaries
    """
    return _group_like_list(
        ctx, data, selectors.group_list(municipality=ctx.municipality), dictize.group_dict
    )


@action(side_effect_free=True)
def group_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return a group (category).

    :param id: the id or name of the group
    :type id: string
    :param include_datasets: include its first 10 public datasets as ``packages``
        (default false)
    :type include_datasets: bool

    :rtype: dictionary
    """
    group = selectors.group_get(municipality=ctx.municipality, id_or_name=_required(data, "id"))
    result = dictize.group_dict(group)
    result.update(
        {"extras": dictize.extras_list(group.extras), "groups": [], "users": [], "tags": []}
    )
    if _bool(data.get("include_datasets")):
        result["packages"] = _packages_of(ctx, "groups", group)
    return result


@action(side_effect_free=True)
def tag_list(ctx: Context, data: dict[str, Any]) -> list[Any]:
    """Return the names of the tags on public datasets.

    :param query: only tags containing this (``q`` is accepted too) (optional)
    :type query: string
    :param all_fields: return dictionaries instead of names (default false)
    :type all_fields: bool

    :rtype: list of strings or dictionaries
    """
    names = selectors.tag_names(
        municipality=ctx.municipality, query=str(data.get("query") or data.get("q") or "")
    )
    if _bool(data.get("all_fields")):
        return [{"name": n, "display_name": n, "vocabulary_id": None} for n in names]
    return names


@action(side_effect_free=True)
def license_list(ctx: Context, data: dict[str, Any]) -> list[dict[str, str]]:
    """Return the licenses a dataset may carry (CC BY 4.0 is the default).

    :rtype: list of dictionaries
    """
    return [lic.as_ckan() for lic in licenses.LICENSES]


@action(side_effect_free=True)
def current_package_list_with_resources(ctx: Context, data: dict[str, Any]) -> list[Any]:
    """Return public datasets with their resources, most recently modified first.

    :param limit: the largest number of datasets (optional)
    :type limit: int
    :param offset: the offset of the first dataset (optional)
    :type offset: int
    :param page: deprecated: the page number, when ``limit`` is given (optional)
    :type page: int

    :rtype: list of dictionaries
    """
    limit = _int(data, "limit", ROWS_MAX)
    offset = _int(data, "offset", 0)
    if "page" in data and "offset" not in data:
        offset = (_int(data, "page", 1, minimum=1) - 1) * limit
    result = search.dataset_search(
        municipality=ctx.municipality,
        viewer=ctx.user,
        staff_within=ctx.token_municipality,
        sort="metadata_modified desc",
        rows=min(limit, ROWS_MAX),
        start=offset,
    )
    return _package_dicts(ctx, result.ids)


@action(side_effect_free=True)
def help_show(ctx: Context, data: dict[str, Any]) -> str:
    """Return the help text of an action.

    :param name: the action's name
    :type name: string

    :rtype: string
    """
    name = _required(data, "name")
    found = ACTIONS.get(name)
    if found is None:
        raise NotFound(_("Action function not found"))
    return found.function.__doc__ or ""


# --------------------------------------------------------------------------------------------
# Read actions that clients and harvesters call (issue 18): users, members, tags, autocomplete
# --------------------------------------------------------------------------------------------


def _organization_of(ctx: Context, data: dict[str, Any]) -> Organization:
    return selectors.organization_get(
        municipality=ctx.municipality, id_or_name=_required(data, "id")
    )


@action(side_effect_free=True)
def organization_list_for_user(ctx: Context, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the organizations where a user has a permission: ``admin`` (municipality
    administrators), ``editor`` (data stewards) or ``member`` (other staff of the
    organization's department).

    :param id: the name or id of the user (optional, default: the caller; another user only
        for platform administrators)
    :type id: string
    :param permission: ``manage_group`` (admin, the default), ``create_dataset``,
        ``update_dataset``, ``delete_dataset`` (editor) or ``read`` (member)
    :type permission: string
    :param include_dataset_count: add ``package_count`` (default false)
    :type include_dataset_count: bool

    :rtype: list of dictionaries
    """
    user = ctx.user
    if data.get("id") not in (None, ""):
        found = people.user_get(ctx.user, None, str(data["id"]))
        if found is None:
            raise NotFound(_("User not found"))
        if found.pk != getattr(ctx.user, "pk", None) and not people.is_sysadmin(ctx.user):
            raise PermissionDenied(_("User  not authorized to see another user's organizations"))
        user = found
    wanted = people.PERMISSION_CAPACITY.get(str(data.get("permission") or "manage_group"))
    if wanted is None:
        return []
    held = people.capacities(user, ctx.municipality)
    rank = people.CAPACITY_RANK[wanted]
    ids = [pk for pk, capacity in held.items() if people.CAPACITY_RANK[capacity] >= rank]
    organizations = selectors.organization_list(municipality=ctx.municipality).filter(pk__in=ids)
    with_count = _bool(data.get("include_dataset_count"))
    answer = []
    for org in organizations.order_by("name", "pk"):
        result = dictize.organization_dict(org)
        if not with_count:
            result.pop("package_count", None)
        result["capacity"] = held[org.pk]
        answer.append(result)
    return answer


@action(side_effect_free=True)
def package_autocomplete(ctx: Context, data: dict[str, Any]) -> list[dict[str, str]]:
    """Return public datasets whose name or title contains a string, for autocompletion.

    :param q: the string to look for
    :type q: string
    :param limit: the largest number of datasets (default 10)
    :type limit: int

    :returns: ``name``, ``title``, ``match_field`` (``name`` or ``title``) and
        ``match_displayed`` of each
    :rtype: list of dictionaries
    """
    q = str(data.get("q") or "").strip()
    limit = _int(data, "limit", 10)
    if not q:
        return []
    rows = (
        selectors.dataset_list(
            municipality=ctx.municipality,
            viewer=None,
            include_private=False,
            include_drafts=False,
        )
        .filter(Q(name__icontains=q) | Q(title_ja__icontains=q) | Q(title_en__icontains=q))
        .order_by("name", "pk")
        .values_list("name", "title_ja")[:limit]
    )
    answer = []
    for name, title in rows:
        by_name = q.lower() in name
        answer.append(
            {
                "name": name,
                "title": title,
                "match_field": "name" if by_name else "title",
                "match_displayed": name if by_name else f"{title} ({name})",
            }
        )
    return answer


@action(side_effect_free=True)
def format_autocomplete(ctx: Context, data: dict[str, Any]) -> list[str]:
    """Return the resource formats (lower case) of public datasets that contain a string, the
    most used first.

    :param q: the string to look for
    :type q: string
    :param limit: the largest number of formats (default 5)
    :type limit: int

    :rtype: list of strings
    """
    q = _required(data, "q")
    resources = Resource.all_tenants.filter(
        dataset__state=DatasetState.PUBLISHED, format__icontains=q
    )
    if ctx.municipality is not None:
        resources = resources.filter(municipality=ctx.municipality)
    rows = (resources.values("format").annotate(total=Count("pk")).order_by("-total", "format"))[
        : _int(data, "limit", 5)
    ]
    return list(dict.fromkeys(row["format"].lower() for row in rows))


@action(side_effect_free=True)
def tag_autocomplete(ctx: Context, data: dict[str, Any]) -> list[str]:
    """Return the names of the tags of public datasets that contain a string.

    :param q: the string to look for (``query`` is accepted too)
    :type q: string
    :param limit: the largest number of tags (default 10)
    :type limit: int
    :param offset: the offset of the first tag (default 0)
    :type offset: int

    :rtype: list of strings
    """
    return list(dict.fromkeys(tag["name"] for tag in tag_search(ctx, data)["results"]))


def _group_autocomplete(queryset: Any, data: dict[str, Any]) -> list[dict[str, str]]:
    q = _required(data, "q")
    rows = (
        queryset.filter(Q(name__icontains=q) | Q(title_ja__icontains=q) | Q(title_en__icontains=q))
        .order_by("title_ja", "name", "pk")
        .values_list("pk", "name", "title_ja")[: _int(data, "limit", 20)]
    )
    return [{"id": str(pk), "name": name, "title": title} for pk, name, title in rows]


@action(side_effect_free=True)
def organization_autocomplete(ctx: Context, data: dict[str, Any]) -> list[dict[str, str]]:
    """Return the organizations whose name or title contains a string.

    :param q: the string to look for
    :type q: string
    :param limit: the largest number of organizations (default 20)
    :type limit: int

    :returns: ``id``, ``name`` and ``title`` of each
    :rtype: list of dictionaries
    """
    return _group_autocomplete(selectors.organization_list(municipality=ctx.municipality), data)


@action(side_effect_free=True)
def group_autocomplete(ctx: Context, data: dict[str, Any]) -> list[dict[str, str]]:
    """Return the groups (categories) whose name or title contains a string.

    :param q: the string to look for
    :type q: string
    :param limit: the largest number of groups (default 20)
    :type limit: int

    :returns: ``id``, ``name`` and ``title`` of each
    :rtype: list of dictionaries
    """
    return _group_autocomplete(selectors.group_list(municipality=ctx.municipality), data)


def _tag_dict(tag_id: Any, name: str) -> dict[str, Any]:
    return {"id": str(tag_id), "name": name, "vocabulary_id": None, "display_name": name}


def _public_tags(ctx: Context) -> Any:
    tags = Tag.all_tenants.filter(datasets__state=DatasetState.PUBLISHED)
    if ctx.municipality is not None:
        tags = tags.filter(municipality=ctx.municipality)
    return tags


@action(side_effect_free=True)
def tag_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return a tag of public datasets.

    :param id: the id or name of the tag (at the root API, a name several municipalities use
        is the first of them; give the id)
    :type id: string
    :param include_datasets: include its public datasets as ``packages`` (at most 1000,
        default false)
    :type include_datasets: bool

    :rtype: dictionary
    """
    key = _required(data, "id")
    tags = _public_tags(ctx)
    tag = (
        tags.filter(pk=key).first()
        if search.is_uuid(key)
        else tags.filter(name=key).order_by("municipality_id", "pk").first()
    )
    if tag is None:
        raise NotFound(_('Could not find tag "%(tag)s"') % {"tag": key})
    result = _tag_dict(tag.pk, tag.name)
    if _bool(data.get("include_datasets")):
        found = search.dataset_search(
            municipality=tag.municipality,
            viewer=None,
            fq=[f'tags:"{tag.name}"'],
            rows=ROWS_MAX,
            sort="name asc",
        )
        result["packages"] = _package_dicts(ctx, found.ids)
    return result


@action(side_effect_free=True)
def tag_search(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return the tags of public datasets that contain a string.

    :param query: the string (``q`` is accepted too); a list of strings finds tags that
        contain any (optional: every tag)
    :type query: string or list of strings
    :param vocabulary_id: only tags of this vocabulary (Kanmin has none: nothing is found)
    :type vocabulary_id: string
    :param limit: the largest number of tags (default 10)
    :type limit: int
    :param offset: the offset of the first tag (default 0)
    :type offset: int

    :returns: ``count`` and ``results`` (``id``, ``name``, ``vocabulary_id``)
    :rtype: dictionary
    """
    if data.get("vocabulary_id") not in (None, ""):
        return {"count": 0, "results": []}
    query = data.get("query", data.get("q")) or []
    words = [str(w) for w in (query if isinstance(query, list) else [query]) if str(w).strip()]
    tags = _public_tags(ctx)
    if words:
        matches = Q()
        for word in words:
            matches |= Q(name__icontains=word.strip())
        tags = tags.filter(matches)
    rows = tags.values_list("pk", "name").distinct().order_by("name", "pk")
    limit, offset = _int(data, "limit", 10), _int(data, "offset", 0)
    return {
        "count": rows.count(),
        "results": [
            {"id": str(pk), "name": name, "vocabulary_id": None}
            for pk, name in rows[offset : offset + limit]
        ],
    }


@action(side_effect_free=True)
def vocabulary_list(ctx: Context, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the tag vocabularies: Kanmin's tags are all free tags, so there are none.

    :rtype: list of dictionaries
    """
    return []


@action(side_effect_free=True)
def user_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return a user: yourself, or (for staff) someone who works in your municipality; platform
    administrators see everyone. ``email`` is given only to the user and to platform
    administrators.

    :param id: the id or name of the user (optional: with an API token, the token's user)
    :type id: string
    :param include_datasets: include the user's public datasets as ``datasets`` (at most
        1000, default false)
    :type include_datasets: bool
    :param include_num_followers: add ``num_followers`` (default false)
    :type include_num_followers: bool

    :rtype: dictionary
    """
    if not getattr(ctx.user, "is_authenticated", False):
        raise PermissionDenied(_("User  not authorized to see users"))
    key = str(data.get("id") or data.get("user_obj") or "")
    user = people.user_get(ctx.user, None, key) if key else ctx.user
    if user is None:
        raise NotFound(_("User not found"))
    result = people.user_dict(user, ctx.user)
    if _bool(data.get("include_num_followers")):
        result["num_followers"] = 0
    if _bool(data.get("include_datasets")):
        ids = (
            selectors.dataset_list(
                municipality=ctx.municipality,
                viewer=None,
                include_private=False,
                include_drafts=False,
            )
            .filter(creator=user)
            .order_by("-modified", "pk")
            .values_list("pk", flat=True)[:ROWS_MAX]
        )
        result["datasets"] = _package_dicts(ctx, list(ids))
    return result


@action(side_effect_free=True)
def user_list(ctx: Context, data: dict[str, Any]) -> list[Any]:
    """Return the users you may see: yourself and the staff of your municipalities (of this
    catalog's municipality under ``/m/<code>/``); platform administrators see everyone.
    Anonymous callers are refused.

    :param q: only users whose name or full name contains this (optional)
    :type q: string
    :param order_by: ``name`` (default), ``fullname``, ``created`` or ``id``
    :type order_by: string
    :param all_fields: return dictionaries instead of names (default true)
    :type all_fields: bool
    :param limit: the largest number of users (default 20)
    :type limit: int
    :param offset: the offset of the first user (default 0)
    :type offset: int

    :rtype: list of dictionaries or strings
    """
    if not getattr(ctx.user, "is_authenticated", False):
        raise PermissionDenied(_("User  not authorized to see users"))
    users = people.visible_users(ctx.user, ctx.municipality)
    q = str(data.get("q") or "").strip()
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
    order = {
        "name": "username",
        "fullname": "last_name",
        "created": "date_joined",
        "id": "uuid",
        "display_name": "username",
    }.get(str(data.get("order_by") or "name"))
    if order is None:
        raise Invalid(
            fields={"order_by": [_("Cannot sort by %(sort)s") % {"sort": data["order_by"]}]}
        )
    limit, offset = _int(data, "limit", 20), _int(data, "offset", 0)
    rows = list(users.order_by(order, "pk")[offset : offset + limit])
    if not _bool(data.get("all_fields"), True):
        return [user.username for user in rows]
    return [people.user_dict(user, ctx.user) for user in rows]


@action(side_effect_free=True)
def member_list(ctx: Context, data: dict[str, Any]) -> list[list[str]]:
    """Return the members of an organization or group: its public datasets, and (to staff of
    its municipality) the users with their capacity.

    :param id: the id or name of the organization or group
    :type id: string
    :param object_type: ``package`` or ``user`` (optional: both)
    :type object_type: string
    :param capacity: only members with this capacity (``public`` for datasets; ``admin``,
        ``editor`` or ``member`` for users) (optional)
    :type capacity: string

    :returns: ``[id, type, capacity]`` of each member
    :rtype: list of lists
    """
    key = _required(data, "id")
    try:
        obj: Organization | Group = selectors.organization_get(
            municipality=ctx.municipality, id_or_name=key
        )
    except NotFound:
        obj = selectors.group_get(municipality=ctx.municipality, id_or_name=key)
    object_type = str(data.get("object_type") or "")
    capacity = str(data.get("capacity") or "")
    members: list[list[str]] = []
    if object_type in ("", "package") and capacity in ("", "public"):
        field = "owner_org" if isinstance(obj, Organization) else "groups"
        fq = f"owner_org:{obj.pk}" if field == "owner_org" else f'groups:"{obj.name}"'
        found = search.dataset_search(
            municipality=obj.municipality, viewer=None, fq=[fq], rows=ROWS_MAX, sort="name asc"
        )
        members += [[str(pk), "package", "public"] for pk in found.ids]
    if (
        object_type in ("", "user")
        and isinstance(obj, Organization)
        and people.may_see_users_of(ctx.user, obj.municipality_id)
    ):
        members += [
            [str(user.uuid), "user", held]
            for user, held in people.organization_members(obj)
            if capacity in ("", held)
        ]
    return members


_RESOURCE_SEARCH_FIELDS = {
    "name": "name",
    "description": "description",
    "format": "format",
    "url": "url",
    "mimetype": "mimetype",
    "id": "id",
    "package_id": "dataset_id",
}


@action(side_effect_free=True)
def resource_search(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Search the resources of public datasets: every ``field:term`` must match (any case,
    anywhere in the field; ``id`` and ``package_id`` whole).

    :param query: ``field:term`` or a list of them; fields ``name``, ``description``,
        ``format``, ``url``, ``mimetype``, ``id``, ``package_id``
    :type query: string or list of strings
    :param order_by: a field to sort by (optional)
    :type order_by: string
    :param offset: the offset of the first resource (optional)
    :type offset: int
    :param limit: the largest number of resources (optional)
    :type limit: int

    :returns: ``count`` and ``results``
    :rtype: dictionary
    """
    query = data.get("query")
    terms = query if isinstance(query, list) else [query] if query else []
    fields = data.get("fields")
    if isinstance(fields, dict):  # the deprecated form
        terms += [f"{k}:{v}" for k, v in fields.items()]
    resources = Resource.all_tenants.filter(dataset__state=DatasetState.PUBLISHED)
    if ctx.municipality is not None:
        resources = resources.filter(municipality=ctx.municipality)
    for term in terms:
        field, sep, value = str(term).partition(":")
        if not sep:
            raise Invalid(fields={"query": [_("Must be <field>:<value> pair(s)")]})
        column = _RESOURCE_SEARCH_FIELDS.get(field)
        if column is None:
            raise Invalid(
                fields={
                    "query": [
                        _('Field "%(field)s" not recognised in resource_search.') % {"field": field}
                    ]
                }
            )
        if column in ("id", "dataset_id"):
            resources = (
                resources.filter(**{column: value}) if search.is_uuid(value) else resources.none()
            )
        else:
            resources = resources.filter(**{f"{column}__icontains": value})
    order = str(data.get("order_by") or "")
    column = _RESOURCE_SEARCH_FIELDS.get(order) if order else "position"
    if column is None:
        raise Invalid(fields={"order_by": [_("Cannot sort by %(sort)s") % {"sort": order}]})
    offset = _int(data, "offset", 0)
    limit = data.get("limit")
    ordered = resources.select_related("municipality").order_by(column, "created", "pk")
    count = ordered.count()
    page = (
        ordered[offset : offset + _int(data, "limit", 0)]
        if limit not in (None, "")
        else ordered[offset:]
    )
    return {"count": count, "results": [dictize.resource_dict(ctx.request, r) for r in page]}


@action(side_effect_free=True)
def group_package_show(ctx: Context, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the public datasets of a group (category), most recently modified first.

    :param id: the id or name of the group
    :type id: string
    :param limit: the largest number of datasets (optional, at most 1000)
    :type limit: int

    :rtype: list of dictionaries
    """
    group = selectors.group_get(municipality=ctx.municipality, id_or_name=_required(data, "id"))
    found = search.dataset_search(
        municipality=group.municipality,
        viewer=ctx.user,
        staff_within=ctx.token_municipality,
        fq=[f'groups:"{group.name}"'],
        rows=min(_int(data, "limit", ROWS_MAX, minimum=1), ROWS_MAX),
        sort="metadata_modified desc",
    )
    return _package_dicts(ctx, found.ids)


# --------------------------------------------------------------------------------------------
# Write actions
# --------------------------------------------------------------------------------------------

_STATE_FROM_CKAN = {"draft": DatasetState.DRAFT, "deleted": DatasetState.WITHDRAWN}


def _ckan_state(data: dict[str, Any]) -> str | None:
    if data.get("state") in _STATE_FROM_CKAN:
        return _STATE_FROM_CKAN[str(data["state"])]
    if "private" in data:
        return DatasetState.PRIVATE if _bool(data["private"]) else DatasetState.PUBLISHED
    if "state" in data:
        return DatasetState.PUBLISHED
    return None


def _state(data: dict[str, Any], *, default: str | None) -> str | None:
    """The state from CKAN's ``state``/``private``; ``kanmin_state`` (from a dump) refines
    it when it agrees, e.g. withdrawn vs. deleted or private vs. published."""
    derived = _ckan_state(data)
    kanmin_state = data.get("kanmin_state")
    if kanmin_state in DatasetState.values:
        agrees = (
            derived is None
            or derived == kanmin_state
            or (derived == DatasetState.PRIVATE and kanmin_state != DatasetState.PUBLISHED)
        )
        if agrees:
            return str(kanmin_state)
    return derived if derived is not None else default


def _organization(municipality: Municipality, data: dict[str, Any]) -> Organization | None:
    owner = data.get("owner_org")
    org_dict = data.get("organization")
    candidates = [str(owner)] if owner else []
    if isinstance(org_dict, dict) and org_dict.get("name"):
        candidates.append(str(org_dict["name"]))
    for candidate in candidates:
        try:
            return selectors.organization_get(municipality=municipality, id_or_name=candidate)
        except NotFound:
            continue
    if candidates:
        raise Invalid(fields={"owner_org": [_("Organization does not exist")]})
    return None


def _tag_names(data: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for tag in data.get("tags") or []:
        names.append(str(tag.get("name", "")) if isinstance(tag, dict) else str(tag))
    if data.get("tag_string"):
        names += str(data["tag_string"]).split(",")
    return [n.strip() for n in names if n.strip()]


def _groups(municipality: Municipality, data: dict[str, Any]) -> list[Group]:
    groups: list[Group] = []
    for item in data.get("groups") or []:
        ref = item.get("id") or item.get("name") if isinstance(item, dict) else item
        try:
            groups.append(selectors.group_get(municipality=municipality, id_or_name=str(ref)))
        except NotFound:
            if isinstance(item, dict) and item.get("name") and item.get("name") != ref:
                groups.append(
                    selectors.group_get(municipality=municipality, id_or_name=str(item["name"]))
                )
                continue
            raise Invalid(
                fields={"groups": [_("Group %(name)s does not exist") % {"name": ref}]}
            ) from None
    return groups


# CKAN key (or Kanmin key) → service field, for the plain text fields.
_TEXT_KEYS = {
    "name": "name",
    "title": "title_ja",
    "title_en": "title_en",
    "notes": "notes_ja",
    "notes_en": "notes_en",
    "license_id": "license_id",
    "update_frequency": "update_frequency",
    "frequency": "update_frequency",
    "maintainer": "contact_name",
    "maintainer_email": "contact_email",
    "contact_name": "contact_name",
    "contact_email": "contact_email",
    "spatial_text": "spatial",
    "temporal_start": "temporal_start",
    "temporal_end": "temporal_end",
    "standard_dataset": "standard_dataset",
    # CKAN's default-schema fields (issue 18)
    "author": "author",
    "author_email": "author_email",
    "url": "source_url",
    "version": "version_label",
}


# The fields of CKAN's default package schema: an extra may not have one's name (CKAN's rule).
_CKAN_PACKAGE_KEYS = frozenset(
    "id name title author author_email maintainer maintainer_email license_id notes url"
    " version state type owner_org private resources tags tag_string extras groups"
    " relationships_as_object relationships_as_subject metadata_created metadata_modified"
    " creator_user_id plugin_data log_message".split()
)


def _with_kanmin_extras(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Split CKAN ``extras``: Kanmin's own fields (given as extras by ``package_show`` for a
    CKAN without Kanmin's schema) become top-level keys unless given there; the rest stay
    extras. ``None`` when ``extras`` is not given."""
    if "extras" not in data:
        return data, None
    raw = data.get("extras")
    if isinstance(raw, str) and raw.strip():
        try:
            raw = json.loads(raw)
        except ValueError:
            raise Invalid(fields={"extras": [_("Could not parse as valid JSON")]}) from None
    items = raw if isinstance(raw, list) else [] if raw in (None, "") else None
    if items is None:
        raise Invalid(fields={"extras": [_("Not a list")]})
    data = dict(data)
    rest: list[Any] = []
    for item in items:
        key = item.get("key") if isinstance(item, dict) else None
        if key in _CKAN_PACKAGE_KEYS:
            message = _("There is a schema field with the same name")
            raise Invalid(fields={"extras": [f"{key}: {message}"]})
        if key in dictize.KANMIN_EXTRA_KEYS:
            data.setdefault(str(key), item.get("value"))
        else:
            rest.append(item)
    return data, {"extras": rest}


def _dataset_values(municipality: Municipality, data: dict[str, Any]) -> dict[str, Any]:
    data, extras = _with_kanmin_extras(data)
    values: dict[str, Any] = {} if extras is None else {**extras}
    for key, field in _TEXT_KEYS.items():
        if key in data:
            value = data[key]
            if field.startswith("temporal"):
                values[field] = value or None
            else:
                values[field] = "" if value is None else str(value)
    if "tags" in data or "tag_string" in data:
        values["tags"] = _tag_names(data)
    if "groups" in data:
        values["groups"] = _groups(municipality, data)
    if "owner_org" in data or "organization" in data:
        org = _organization(municipality, data)
        if org is not None:
            values["organization"] = org
    return values


def _resource_values(data: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    """The service's values from a CKAN resource dict. ``full`` (create, update): the keys
    outside CKAN's resource schema are its extras, which replace the stored ones."""
    values: dict[str, Any] = {}
    for key in ("url", "name", "description", "format", "mimetype", "hash"):
        if key in data and data[key] is not None:
            values[key] = str(data[key])
    if data.get("position") not in (None, ""):
        values["position"] = data["position"]
    if "size" in data:
        values["size"] = data["size"]
    extras = {
        k: v
        for k, v in data.items()
        if (k not in dictize.RESOURCE_CORE_KEYS or k in ("resource_type", "mimetype_inner"))
        and v is not None
        and not isinstance(v, dict | list)
        and not hasattr(v, "read")
    }
    if full or extras:
        values["extras"] = extras
    return values


def _sync_resources(
    ctx: Context, municipality: Municipality, dataset: Dataset, items: list[Any]
) -> None:
    """package_create/update with ``resources``: keep, change, add and remove to match."""
    existing = {str(r.pk): r for r in dataset.resources.all()}
    kept: set[str] = set()
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise Invalid(fields={"resources": [_("Each resource must be an object")]})
        values = {**_resource_values(item), "position": position}
        current = existing.get(str(item.get("id", "")))
        if current is not None:
            kept.add(str(current.pk))
            if current.is_upload and item.get("url_type") == "upload":
                values.pop("url", None)  # the download URL we gave out, not a new link
            services.resource_update(
                municipality=municipality, actor=ctx.user, resource=current, **values
            )
        else:
            services.resource_create(
                municipality=municipality,
                actor=ctx.user,
                dataset=dataset,
                id=item.get("id"),
                **values,
            )
    for pk, resource in existing.items():
        if pk not in kept:
            services.resource_delete(municipality=municipality, actor=ctx.user, resource=resource)


def _show(ctx: Context, dataset: Dataset) -> dict[str, Any]:
    return _package_dicts(ctx, [dataset.pk])[0]


def _expected_version(data: dict[str, Any]) -> int | None:
    value = data.get("kanmin_version")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid(fields={"kanmin_version": [_("Invalid integer")]}) from None


@action(side_effect_free=False)
def package_create(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Create a dataset. Needs an API token of a data steward or administrator.

    :param name: the dataset's URL name: 2–100 lowercase ASCII letters, digits, ``-`` and ``_``
    :type name: string
    :param title: the title in Japanese (optional, defaults to the name)
    :type title: string
    :param notes: the description in Japanese (optional)
    :type notes: string
    :param owner_org: the id or name of the organization that publishes it
    :type owner_org: string
    :param license_id: a license id from ``license_list`` (default ``cc-by-4.0``)
    :type license_id: string
    :param tags: tags, as ``[{"name": "人口"}]`` (optional)
    :type tags: list of dictionaries
    :param groups: groups (categories), as ``[{"name": "population"}]`` (optional)
    :type groups: list of dictionaries
    :param private: create it private (default false: public)
    :type private: bool
    :param state: ``draft`` to create a draft (optional)
    :type state: string
    :param resources: resources to add, as ``resource_create`` takes them (optional)
    :type resources: list of dictionaries
    :param title_en: the title in English (optional)
    :param notes_en: the description in English (optional)
    :param update_frequency: ``daily``, ``weekly``, ``monthly``, ``quarterly``, ``annual``,
        ``irregular``, ``continuous`` or ``never`` (optional)
    :param maintainer: the contact (optional); ``maintainer_email`` its e-mail
    :param spatial_text: the spatial coverage (optional)
    :param temporal_start: the start of the temporal coverage, ``YYYY-MM-DD`` (optional)
    :param temporal_end: the end of the temporal coverage, ``YYYY-MM-DD`` (optional)
    :param standard_dataset: the national standard data set it follows (optional)

    :returns: the new dataset, as ``package_show`` returns it
    :rtype: dictionary
    """
    municipality = ctx.write_municipality()
    values = _dataset_values(municipality, data)
    if "name" not in values or not values["name"]:
        raise Invalid(fields={"name": [_("Missing value")]})
    organization = values.pop("organization", None)
    if organization is None:
        raise Invalid(fields={"owner_org": [_("An organization must be provided")]})
    with transaction.atomic():
        dataset = services.dataset_create(
            municipality=municipality,
            actor=ctx.user,
            organization=organization,
            state=_state(data, default=DatasetState.PUBLISHED) or DatasetState.PUBLISHED,
            id=data.get("id"),
            **values,
        )
        if data.get("resources"):
            _sync_resources(ctx, municipality, dataset, list(data["resources"]))
    return _show(ctx, dataset)


def _update(ctx: Context, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    municipality = ctx.write_municipality()
    dataset = selectors.dataset_for_edit(
        municipality=municipality, id_or_name=_required(data, "id", "name")
    )
    values = _dataset_values(municipality, data)
    if not partial:
        values.setdefault("name", dataset.name)
        values.setdefault("title_ja", values.get("name", dataset.name))
        values.setdefault("organization", dataset.organization)
    state = _state(data, default=None)
    if state is not None:
        values["state"] = state
    service = services.dataset_patch if partial else services.dataset_update
    with transaction.atomic():
        dataset = service(
            municipality=municipality,
            actor=ctx.user,
            dataset=dataset,
            expected_version=_expected_version(data),
            **values,
        )
        if "resources" in data and data["resources"] is not None:
            _sync_resources(ctx, municipality, dataset, list(data["resources"]))
    return _show(ctx, dataset)


@action(side_effect_free=False)
def package_update(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Replace a dataset's metadata. Optional fields not given return to their defaults;
    when ``resources`` is given, the resources are made to match it (resources without a
    known ``id`` are added, missing ones removed); without it they are kept.

    :param id: the id or name of the dataset
    :type id: string
    :param kanmin_version: the ``kanmin_version`` you read; if someone saved in between, the
        update is refused with a 409 ``Validation Error`` (optional)
    :type kanmin_version: int

    The other parameters are those of ``package_create``.

    :returns: the dataset, as ``package_show`` returns it
    :rtype: dictionary
    """
    return _update(ctx, data, partial=False)


@action(side_effect_free=False)
def package_patch(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Change only the given fields of a dataset.

    :param id: the id or name of the dataset
    :type id: string
    :param kanmin_version: the ``kanmin_version`` you read (optional, see ``package_update``)
    :type kanmin_version: int

    The other parameters are those of ``package_create``.

    :returns: the dataset, as ``package_show`` returns it
    :rtype: dictionary
    """
    return _update(ctx, data, partial=True)


@action(side_effect_free=False)
def package_delete(ctx: Context, data: dict[str, Any]) -> None:
    """Delete a dataset as CKAN does: its ``state`` becomes ``deleted`` (Kanmin: withdrawn,
    公開停止). The public no longer sees it; the municipality's staff still do, and
    ``dataset_purge`` removes it for good.

    :param id: the id or name of the dataset
    :type id: string
    """
    municipality = ctx.write_municipality()
    dataset = selectors.dataset_for_edit(
        municipality=municipality, id_or_name=_required(data, "id")
    )
    if dataset.state != DatasetState.WITHDRAWN:
        services.dataset_withdraw(municipality=municipality, actor=ctx.user, dataset=dataset)
    return None


@action(side_effect_free=False)
def dataset_purge(ctx: Context, data: dict[str, Any]) -> None:
    """Remove a dataset, its resources and their files for good (its history stays in the
    audit log). Needs a token of a data steward or administrator.

    :param id: the id or name of the dataset
    :type id: string
    """
    municipality = ctx.write_municipality()
    dataset = selectors.dataset_for_edit(
        municipality=municipality, id_or_name=_required(data, "id")
    )
    services.dataset_delete(municipality=municipality, actor=ctx.user, dataset=dataset)
    return None


def _resource_for_edit(municipality: Municipality, data: dict[str, Any]) -> Resource:
    rid = _required(data, "id")
    resource = None
    if search.is_uuid(rid):
        resource = (
            Resource.all_tenants.filter(municipality=municipality, pk=rid)
            .select_related("dataset", "municipality")
            .first()
        )
    if resource is None:
        raise NotFound(_('Resource "%(id)s" was not found.') % {"id": rid})
    return resource


@action(side_effect_free=False)
def resource_create(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Add a resource to a dataset: a link (``url``) or an uploaded file (``upload``, in a
    multipart request).

    :param package_id: the id or name of the dataset
    :type package_id: string
    :param url: the resource's URL (unless a file is uploaded)
    :type url: string
    :param upload: the file (multipart)
    :type upload: file
    :param name: the resource's name (optional; defaults to the file name)
    :type name: string
    :param description: its description (optional)
    :type description: string
    :param format: its format, such as ``CSV`` (optional; guessed from the file name)
    :type format: string

    :returns: the new resource
    :rtype: dictionary
    """
    municipality = ctx.write_municipality()
    dataset = selectors.dataset_for_edit(
        municipality=municipality, id_or_name=_required(data, "package_id")
    )
    upload = data.get("upload")
    resource = services.resource_create(
        municipality=municipality,
        actor=ctx.user,
        dataset=dataset,
        upload=upload if hasattr(upload, "read") else None,
        id=data.get("id"),
        **_resource_values(data),
    )
    return dictize.resource_dict(ctx.request, resource)


def _resource_change(ctx: Context, data: dict[str, Any], *, full: bool) -> dict[str, Any]:
    municipality = ctx.write_municipality()
    resource = _resource_for_edit(municipality, data)
    upload = data.get("upload")
    values = _resource_values(data, full=full)
    if resource.is_upload and data.get("url_type") == "upload":
        values.pop("url", None)
    resource = services.resource_update(
        municipality=municipality,
        actor=ctx.user,
        resource=resource,
        upload=upload if hasattr(upload, "read") else None,
        **values,
    )
    return dictize.resource_dict(ctx.request, resource)


@action(side_effect_free=False)
def resource_update(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Change a resource; a new ``upload`` (multipart) replaces its file.

    :param id: the id of the resource
    :type id: string

    The other parameters are those of ``resource_create``.

    :returns: the resource
    :rtype: dictionary
    """
    return _resource_change(ctx, data, full=True)


@action(side_effect_free=False)
def resource_patch(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Change only the given fields of a resource (same parameters as ``resource_update``).

    :param id: the id of the resource
    :type id: string

    :returns: the resource
    :rtype: dictionary
    """
    return _resource_change(ctx, data, full=False)


@action(side_effect_free=False)
def resource_delete(ctx: Context, data: dict[str, Any]) -> None:
    """Delete a resource and its file.

    :param id: the id of the resource
    :type id: string
    """
    municipality = ctx.write_municipality()
    resource = _resource_for_edit(municipality, data)
    services.resource_delete(municipality=municipality, actor=ctx.user, resource=resource)
    return None


# --------------------------------------------------------------------------------------------
# ckanwrite (issue 18): organizations and groups written through the API, as ``ckanapi load``
# does (show, then create or update)
# --------------------------------------------------------------------------------------------

_GROUP_TEXT_KEYS = {
    "name": "name",
    "title": "title_ja",
    "title_en": "title_en",
    "description": "description",
    "image_url": "image_url",
}


def _group_values(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """The service's values from an organization or group dict; a full update gives every
    field (a missing title becomes the name, as CKAN shows an untitled group)."""
    values: dict[str, Any] = {
        field: "" if data[key] is None else str(data[key])
        for key, field in _GROUP_TEXT_KEYS.items()
        if key in data
    }
    if "extras" in data:
        values["extras"] = data["extras"] if data["extras"] is not None else []
    if not partial:
        for field in ("title_ja", "title_en", "description", "image_url"):
            values.setdefault(field, "")
        values.setdefault("extras", [])
    if "title_ja" in values and not values["title_ja"].strip():
        values["title_ja"] = str(values.get("name") or data.get("name") or "")
    return values


def _group_like_create(
    ctx: Context, data: dict[str, Any], kind: type[Organization] | type[Group]
) -> dict[str, Any]:
    municipality = ctx.write_municipality()
    values = _group_values(data, partial=False)
    if not values.get("name"):
        raise Invalid(fields={"name": [_("Missing value")]})
    create = services.organization_create if kind is Organization else services.group_create
    row = create(municipality=municipality, actor=ctx.user, id=data.get("id"), **values)
    return _group_like_shown(row)


def _group_like_shown(row: Organization | Group) -> dict[str, Any]:
    shown = (
        dictize.organization_dict(row, package_count=row.datasets.count())
        if isinstance(row, Organization)
        else dictize.group_dict(row, package_count=row.datasets.count())
    )
    shown.update({"extras": dictize.extras_list(row.extras), "groups": [], "users": [], "tags": []})
    return shown


def _group_like_change(
    ctx: Context, data: dict[str, Any], kind: type[Organization] | type[Group], *, partial: bool
) -> dict[str, Any]:
    municipality = ctx.write_municipality()
    ref = _required(data, "id", "name")
    values = _group_values(data, partial=partial)
    if not partial:
        values.setdefault("name", ref)
    if kind is Organization:
        org = selectors.organization_get(municipality=municipality, id_or_name=ref)
        row: Organization | Group = services.organization_update(
            municipality=municipality, actor=ctx.user, organization=org, **values
        )
    else:
        group = selectors.group_get(municipality=municipality, id_or_name=ref)
        row = services.group_update(
            municipality=municipality, actor=ctx.user, group=group, **values
        )
    return _group_like_shown(row)


_GROUP_PARAMS = """
    :param id: the id to give it, a UUID (optional; a steward's choice, as CKAN lets a
        sysadmin choose; an id in use here is refused)
    :type id: string
    :param name: its URL name: 2–100 lowercase ASCII letters, digits, ``-`` and ``_``
    :type name: string
    :param title: its title in Japanese (optional, defaults to the name)
    :type title: string
    :param title_en: its title in English (optional)
    :type title_en: string
    :param description: its description (optional)
    :type description: string
    :param image_url: the URL of its logo (optional; uploads are not taken)
    :type image_url: string
    :param extras: further ``[{"key", "value"}]`` pairs (optional)
    :type extras: list of dictionaries

    ``users`` and ``packages`` are accepted and ignored: staff and their roles are managed
    in Kanmin, datasets join a group through ``package_update`` or ``member_create``.

    :rtype: dictionary
"""


@action(side_effect_free=False)
def organization_create(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return _group_like_create(ctx, data, Organization)


@action(side_effect_free=False)
def organization_update(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return _group_like_change(ctx, data, Organization, partial=False)


@action(side_effect_free=False)
def organization_patch(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return _group_like_change(ctx, data, Organization, partial=True)


@action(side_effect_free=False)
def group_create(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return _group_like_create(ctx, data, Group)


@action(side_effect_free=False)
def group_update(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return _group_like_change(ctx, data, Group, partial=False)


@action(side_effect_free=False)
def group_patch(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    return _group_like_change(ctx, data, Group, partial=True)


organization_create.__doc__ = (
    "Create an organization (publishing unit). Needs a token.\n" + _GROUP_PARAMS
)
organization_update.__doc__ = (
    "Replace an organization's fields (``id``: its id or name). Needs a token.\n" + _GROUP_PARAMS
)
organization_patch.__doc__ = (
    "Change only the given fields of an organization (``id``: its id or name).\n" + _GROUP_PARAMS
)
group_create.__doc__ = "Create a group (category). Needs a token.\n" + _GROUP_PARAMS
group_update.__doc__ = (
    "Replace a group's fields (``id``: its id or name). Needs a token.\n" + _GROUP_PARAMS
)
group_patch.__doc__ = (
    "Change only the given fields of a group (``id``: its id or name).\n" + _GROUP_PARAMS
)


@action(side_effect_free=False)
def organization_delete(ctx: Context, data: dict[str, Any]) -> None:
    """Delete an organization that publishes no dataset (move or purge them first).

    :param id: the id or name of the organization
    :type id: string
    """
    municipality = ctx.write_municipality()
    org = selectors.organization_get(municipality=municipality, id_or_name=_required(data, "id"))
    services.organization_delete(municipality=municipality, actor=ctx.user, organization=org)
    return None


@action(side_effect_free=False)
def group_delete(ctx: Context, data: dict[str, Any]) -> None:
    """Delete a group (category); its datasets stay, without it.

    :param id: the id or name of the group
    :type id: string
    """
    municipality = ctx.write_municipality()
    group = selectors.group_get(municipality=municipality, id_or_name=_required(data, "id"))
    services.group_delete(municipality=municipality, actor=ctx.user, group=group)
    return None


# --------------------------------------------------------------------------------------------
# ckanwrite (issue 18): package_revise (CKAN 2.9+) and group membership of datasets
# --------------------------------------------------------------------------------------------


def _json_param(data: dict[str, Any], key: str, default: Any) -> Any:
    value = data.get(key, default)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            if key == "filter":  # a comma-separated list of patterns, as CKAN takes it
                return [p.strip() for p in value.split(",") if p.strip()]
            raise Invalid(fields={key: [_("Could not parse as valid JSON")]}) from None
    return value


def _list_item(items: list[Any], step: str) -> int | None:
    """The position of ``step`` in a list: an index (negative from the end) or the start of
    an item's id, as CKAN's ``resources__1f9ab`` names a resource."""
    try:
        index = int(step)
    except ValueError:
        found = [
            i
            for i, item in enumerate(items)
            if isinstance(item, dict) and str(item.get("id", "")).startswith(step)
        ]
        return found[0] if len(found) == 1 else None
    if -len(items) <= index < len(items):
        return index % len(items)
    return None


def _check_match(current: Any, wanted: Any, path: str = "") -> None:
    if isinstance(wanted, dict) and isinstance(current, dict):
        for key, value in wanted.items():
            _check_match(current.get(key), value, f"{path}__{key}" if path else str(key))
        return
    if isinstance(wanted, list) and isinstance(current, list) and len(wanted) <= len(current):
        for index, value in enumerate(wanted):
            _check_match(current[index], value, f"{path}__{index}")
        return
    if current != wanted:
        raise Invalid(
            fields={"match": [_("%(path)s does not match") % {"path": path or "match"}]},
            code="match_failed",
        )


def _filtered(obj: Any, patterns: list[tuple[bool, list[str]]]) -> Any:
    """CKAN's ``filter``: ``+path`` keeps, ``-path`` removes, the first pattern that names a
    key wins; ``*`` and ``?`` are wildcards, ``__`` goes one level down (a list item by index
    or id prefix)."""
    import fnmatch

    if not patterns:
        return obj
    if isinstance(obj, dict):
        result: dict[str, Any] = {}
        for key, value in obj.items():
            keep, deeper = True, []
            for plus, steps in patterns:
                if not fnmatch.fnmatchcase(str(key), steps[0]):
                    continue
                if len(steps) == 1:
                    keep = plus
                    break
                deeper.append((plus, steps[1:]))
            if keep:
                result[key] = _filtered(value, deeper)
        return result
    if isinstance(obj, list):
        kept_items = []
        for index, item in enumerate(obj):
            keep, deeper = True, []
            for plus, steps in patterns:
                if _list_item(obj, steps[0]) != index and steps[0] != "*":
                    continue
                if len(steps) == 1:
                    keep = plus
                    break
                deeper.append((plus, steps[1:]))
            if keep:
                kept_items.append(_filtered(item, deeper))
        return kept_items
    return obj


def _merged(current: Any, update: Any) -> Any:
    """CKAN's update merge: dicts key by key, lists item by item (longer lists extend)."""
    if isinstance(current, dict) and isinstance(update, dict):
        result = dict(current)
        for key, value in update.items():
            result[key] = _merged(current.get(key), value)
        return result
    if isinstance(current, list) and isinstance(update, list):
        merged = [
            _merged(current[i], value) if i < len(current) else value
            for i, value in enumerate(update)
        ]
        return merged + current[len(update) :]
    return update


def _set_path(target: dict[str, Any], steps: list[str], value: Any) -> None:
    """``update__resources__1f9ab__description=…``: set one value by its path."""
    node: Any = target
    for position, step in enumerate(steps):
        last = position == len(steps) - 1
        if isinstance(node, list):
            if step == "extend" and last:
                node.extend(value if isinstance(value, list) else [value])
                return
            index = _list_item(node, step)
            if index is None:
                raise Invalid(fields={"update": [_("No item %(step)s") % {"step": step}]})
            if last:
                node[index] = _merged(node[index], value)
                return
            node = node[index]
        elif isinstance(node, dict):
            if last:
                node[step] = _merged(node.get(step), value)
                return
            node = node.setdefault(step, {})
        else:
            raise Invalid(fields={"update": [_("No item %(step)s") % {"step": step}]})


@action(side_effect_free=False)
def package_revise(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Change part of a dataset, safely, as CKAN 2.9+ does: check it still is what you read
    (``match``), remove fields (``filter``), then set values (``update``, ``update__<path>``).

    :param match: ``id`` or ``name`` of the dataset and any values it must have, else
        nothing changes (409), e.g. ``{"name": "aed", "resources": [{"name": "a.csv"}]}``
    :type match: dictionary
    :param filter: patterns of fields to remove: ``-resources__1`` removes the second
        resource, ``+title, +resources, -*`` keeps only those (optional)
    :type filter: list of strings
    :param update: values to set after filtering; lists of dictionaries merge item by item
        (``{"resources": [{"description": "…"}]}`` changes the first resource) (optional)
    :type update: dictionary
    :param update__*: one value by its path: ``update__resources__1f9ab__description`` (a
        resource by the start of its id), ``update__resources__extend`` (add resources)
    :type update__*: any
    :param include: patterns of the fields to return, as ``filter`` (optional)
    :type include: list of strings

    :returns: ``{"package": <the dataset>}``
    :rtype: dictionary
    """
    municipality = ctx.write_municipality()
    match = _json_param(data, "match", None)
    if not isinstance(match, dict) or not (match.get("id") or match.get("name")):
        raise Invalid(fields={"match": [_("Give the dataset's id or name in match.")]})
    dataset = selectors.dataset_for_edit(
        municipality=municipality, id_or_name=str(match.get("id") or match.get("name"))
    )
    with transaction.atomic():
        current = _show(ctx, dataset)
        _check_match(current, match)
        patterns = []
        for pattern in _json_param(data, "filter", []) or []:
            text = str(pattern).strip()
            plus = not text.startswith("-")
            patterns.append((plus, text.lstrip("+-").split("__")))
        revised = _filtered(current, patterns)
        update = _json_param(data, "update", {}) or {}
        if not isinstance(update, dict):
            raise Invalid(fields={"update": [_("Not a JSON object")]})
        revised = _merged(revised, update)
        for key, value in data.items():
            if key.startswith("update__"):
                if isinstance(value, str) and value[:1] in "[{":
                    try:
                        value = json.loads(value)
                    except ValueError:
                        pass
                _set_path(revised, key.split("__")[1:], value)
        revised["id"] = current["id"]
        # What was matched is what is changed: a save in between is refused (409).
        revised["kanmin_version"] = current["kanmin_version"]
        shown = _update(ctx, revised, partial=False)
    include = [
        (not str(p).strip().startswith("-"), str(p).strip().lstrip("+-").split("__"))
        for p in _json_param(data, "include", []) or []
    ]
    return {"package": _filtered(shown, include)}


def _member_group(municipality: Municipality, data: dict[str, Any]) -> Group:
    if str(data.get("object_type") or "package") != "package":
        raise Invalid(
            fields={
                "object_type": [
                    _(
                        "Only datasets can be made members here: staff and their roles are "
                        "managed in Kanmin."
                    )
                ]
            }
        )
    ref = _required(data, "id")
    try:
        return selectors.group_get(municipality=municipality, id_or_name=ref)
    except NotFound:
        # CKAN's member_create names organizations too: a dataset's organization is its
        # owner_org here, changed with package_patch.
        raise NotFound(_("Group was not found.")) from None


def _member_change(ctx: Context, data: dict[str, Any], *, add: bool) -> tuple[Group, Dataset]:
    municipality = ctx.write_municipality()
    group = _member_group(municipality, data)
    dataset = selectors.dataset_for_edit(
        municipality=municipality, id_or_name=_required(data, "object")
    )
    groups = [g for g in dataset.groups.all() if g.pk != group.pk]
    if add:
        groups.append(group)
    services.dataset_patch(
        municipality=municipality, actor=ctx.user, dataset=dataset, groups=groups
    )
    return group, dataset


@action(side_effect_free=False)
def member_create(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Make a dataset a member of a group (category).

    :param id: the id or name of the group
    :type id: string
    :param object: the id or name of the dataset
    :type object: string
    :param object_type: ``package`` (users are managed in Kanmin)
    :type object_type: string
    :param capacity: ``public`` (other capacities are accepted and mean the same)
    :type capacity: string

    :rtype: dictionary
    """
    group, dataset = _member_change(ctx, data, add=True)
    return {
        "id": str(uuid.uuid5(group.pk, str(dataset.pk))),
        "group_id": str(group.pk),
        "table_id": str(dataset.pk),
        "table_name": "package",
        "capacity": str(data.get("capacity") or "public"),
        "state": "active",
    }


@action(side_effect_free=False)
def member_delete(ctx: Context, data: dict[str, Any]) -> None:
    """Take a dataset out of a group (category).

    :param id: the id or name of the group
    :type id: string
    :param object: the id or name of the dataset
    :type object: string
    :param object_type: ``package``
    :type object_type: string
    """
    _member_change(ctx, data, add=False)
    return None


# --------------------------------------------------------------------------------------------
# datastore (issue 17): the DataStore's read actions
# --------------------------------------------------------------------------------------------

_ECHOED = (
    "q",
    "full_text",
    "filters",
    "fields",
    "sort",
    "offset",
    "distinct",
    "plain",
    "language",
)


def _link_value(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _datastore_links(ctx: Context, data: dict[str, Any], limit: int, offset: int) -> dict[str, str]:
    """CKAN ≤2.11's ``_links``: relative paths of this search's first and next pages."""
    from urllib.parse import urlencode

    kept = {
        k: _link_value(v)
        for k, v in data.items()
        if k not in ("offset", "limit", "callback", "_") and v not in (None, "")
    }
    base = ctx.request.path

    def link(**extra: Any) -> str:
        return f"{base}?{urlencode({**kept, 'limit': limit, **extra})}"

    links = {"start": link(), "next": link(offset=offset + limit)}
    if offset - limit > 0:
        links["prev"] = link(offset=offset - limit)
    return links


@action(side_effect_free=True)
def datastore_search(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Search the rows of a resource's table (the DataStore).

    :param resource_id: the resource's id (``id`` is an alias)
    :type resource_id: string
    :param q: full text over the whole row: each word (separated by spaces) is found as a
        substring of any length, with width, kana and case folded (``山之口`` finds
        ``山之口町``, ``ﾎﾝﾏﾁ`` finds ``ほんまち``); or a JSON object ``{"column": "text"}``
    :type q: string or dictionary
    :param filters: ``{"column": value}``, ``{"column": [v1, v2]}`` or ranges
        ``{"column": {"gte": 1, "lt": 10}}``
    :type filters: dictionary
    :param fields: the columns to return (a list or a comma-separated string)
    :type fields: list or string
    :param sort: ``"column1, column2 desc nulls last"`` (default ``_id``)
    :type sort: string
    :param limit: rows to return (default 100, at most 32000)
    :type limit: int
    :param offset: rows to skip
    :type offset: int
    :param distinct: only distinct rows (default false)
    :type distinct: bool
    :param include_total: count the matching rows (default true)
    :type include_total: bool
    :param records_format: ``objects`` (default), ``lists``, ``csv`` or ``tsv``
    :type records_format: string
    :param include_next_page: add ``next_page``, a cursor to merge into ``filters`` for the
        next page (CKAN 2.12)
    :type include_next_page: bool

    :returns: ``fields`` (``id`` and CKAN ``type``: text, int, numeric, date, timestamp,
        time, bool), ``records``, ``total``, ``_links`` (CKAN ≤2.11) and the parameters given
    :rtype: dictionary
    """
    result = selectors.datastore_search(
        municipality=ctx.municipality,
        viewer=ctx.user,
        staff_within=ctx.token_municipality,
        data=data,
    )
    given = data.get("limit")
    limit = 100 if given in (None, "") else int(given)  # checked by the selector
    offset = int(data.get("offset") or 0)
    answer: dict[str, Any] = {
        "include_total": _bool(data.get("include_total"), True),
        "include_next_page": _bool(data.get("include_next_page")),
        "limit": limit,
        "records_format": data.get("records_format") or "objects",
        **{k: data[k] for k in _ECHOED if k in data},
        **result,
        "_links": _datastore_links(ctx, data, limit, offset),
    }
    if not answer["include_next_page"]:
        answer.pop("next_page", None)
    return answer


@action(side_effect_free=True)
def datastore_info(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return the columns of a resource's table and its size.

    :param id: the resource's id (``resource_id`` is accepted too)
    :type id: string

    :returns: ``meta`` (``id``, ``count``: rows, ``size``: bytes, ``table_type``) and
        ``fields`` (``id``, ``type``)
    :rtype: dictionary
    """
    return selectors.datastore_info(
        municipality=ctx.municipality,
        viewer=ctx.user,
        staff_within=ctx.token_municipality,
        resource_id=_required(data, "id", "resource_id"),
    )


@action(side_effect_free=True)
def datastore_search_sql(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Run one read-only SELECT over resources' tables, named by the resource id in double
    quotes: ``SELECT "町丁目", "人口" FROM "<resource id>" WHERE "人口" > 1000``.

    No file, extension, setting or catalog access; at most 32000 rows (``records_truncated``
    says when more matched); a query that runs too long is stopped.

    :param sql: the statement
    :type sql: string

    :rtype: dictionary
    """
    return selectors.datastore_search_sql(
        municipality=ctx.municipality,
        viewer=ctx.user,
        staff_within=ctx.token_municipality,
        sql=_required(data, "sql"),
    )


def _datastore_resource(ctx: Context, data: dict[str, Any]) -> tuple[Municipality, Resource]:
    municipality = ctx.write_municipality()
    resource = selectors.resource_get(
        municipality=municipality,
        viewer=ctx.user,
        staff_within=municipality,
        id=_required(data, "resource_id", "id"),
    )
    return municipality, resource


def _records(data: dict[str, Any]) -> list[dict[str, Any]]:
    records = data.get("records") or []
    if isinstance(records, str):
        try:
            records = json.loads(records)
        except ValueError:
            raise Invalid(fields={"records": [_("Could not parse as valid JSON")]}) from None
    if not isinstance(records, list):
        raise Invalid(fields={"records": [_("Not a list")]})
    return records


def _pushed_answer(resource: Resource, table: Any, **extra: Any) -> dict[str, Any]:
    return {
        "resource_id": str(resource.pk),
        "fields": [f for f in table.fields if f["id"] != "_id"],
        "primary_key": list(table.primary_key),
        **extra,
    }


@action(side_effect_free=False)
def datastore_create(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Create a resource's table (or add fields and records to it). Needs a token.

    :param resource_id: the resource's id
    :type resource_id: string
    :param fields: ``[{"id": "町名", "type": "text"}, {"id": "人口", "type": "int"}]``
        (types: text, int, numeric, date, timestamp, time, bool)
    :type fields: list of dictionaries
    :param records: rows to add: ``[{"町名": "山之口町", "人口": 1200}]``
    :type records: list of dictionaries
    :param primary_key: the fields that identify a row (for ``datastore_upsert``)
    :type primary_key: list or comma-separated string

    :rtype: dictionary
    """
    from kanmin.catalog.datastore import services as datastore_services

    municipality, resource = _datastore_resource(ctx, data)
    fields = data.get("fields")
    if isinstance(fields, str):
        try:
            fields = json.loads(fields)
        except ValueError:
            raise Invalid(fields={"fields": [_("Could not parse as valid JSON")]}) from None
    key = data.get("primary_key") or []
    if isinstance(key, str):
        key = [k.strip() for k in key.split(",") if k.strip()]
    records = _records(data)
    table = datastore_services.datastore_create(
        municipality=municipality,
        actor=ctx.user,
        resource=resource,
        fields=fields,
        records=records,
        primary_key=key,
    )
    return _pushed_answer(resource, table, method="insert", records=records)


@action(side_effect_free=False)
def datastore_upsert(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Insert, upsert or update rows of a resource's table. Needs a token.

    :param resource_id: the resource's id
    :type resource_id: string
    :param records: the rows
    :type records: list of dictionaries
    :param method: ``upsert`` (default), ``insert`` or ``update`` (by the primary key)
    :type method: string

    :rtype: dictionary
    """
    from kanmin.catalog.datastore import services as datastore_services

    municipality, resource = _datastore_resource(ctx, data)
    method = str(data.get("method") or "upsert")
    records = _records(data)
    table = datastore_services.datastore_upsert(
        municipality=municipality,
        actor=ctx.user,
        resource=resource,
        records=records,
        method=method,
    )
    return _pushed_answer(resource, table, method=method, records=records)


@action(side_effect_free=False)
def datastore_delete(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Delete rows of a resource's table (those matching ``filters``), or the whole table.
    Needs a token.

    :param resource_id: the resource's id
    :type resource_id: string
    :param filters: ``{"field": value}`` or ``{"field": [v1, v2]}``; none: the table
    :type filters: dictionary

    :rtype: dictionary
    """
    from kanmin.catalog.datastore import services as datastore_services

    municipality, resource = _datastore_resource(ctx, data)
    filters = data.get("filters") or {}
    if isinstance(filters, str):
        try:
            filters = json.loads(filters)
        except ValueError:
            raise Invalid(fields={"filters": [_("Could not parse as valid JSON")]}) from None
    if not isinstance(filters, dict):
        raise Invalid(fields={"filters": [_("Not a JSON object")]})
    datastore_services.datastore_delete(
        municipality=municipality, actor=ctx.user, resource=resource, filters=filters
    )
    return {"resource_id": str(resource.pk), "filters": filters}
