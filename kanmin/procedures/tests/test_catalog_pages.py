"""The procedure catalog's pages: the residents' list (search, filters, the apply link) and a
procedure's page in Japanese and English, the open data files, the staff pages (permissions,
tenancy, adding, editing, unpublishing, deleting, import and export) and the staff home."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kanmin.procedures import catalog, selectors
from kanmin.procedures.models import Form, FormVersion, Procedure
from kanmin.procedures.tests.catalog_factories import department, procedure

BASE = "/m/452025/procedures"
STAFF = BASE + "/staff/catalog"


def _client(user=None, language="ja"):
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def manager(make_user, miyakonojo):
    return make_user("tetsuzuki", "procedures_manager", miyakonojo)


@pytest.fixture
def catalog_rows(miyakonojo):
    shimin = department(miyakonojo, name_en="Citizens Division")
    kodomo = department(miyakonojo, code="kodomo", name_ja="こども課", sort_order=10)
    juminhyo = procedure(
        miyakonojo,
        "juminhyo",
        name_en="Copy of the resident record",
        department=shimin,
        fee_yen=300,
        fee_note="1通につき",
        legal_basis="住民基本台帳法第12条",
        documents="本人確認書類\n委任状（代理人の場合）",
        channels=["counter", "post"],
    )
    teate = procedure(
        miyakonojo,
        "jido-teate",
        name_ja="児童手当 認定請求",
        department=kodomo,
        channels=["online", "counter"],
        is_online=True,
        online_url="https://example.jp/teate",
    )
    hidden = procedure(miyakonojo, "hidden", name_ja="非公開の手続", is_published=False)
    return juminhyo, teate, hidden


def test_public_list_shows_the_catalog(miyakonojo, catalog_rows):
    page = _client().get(BASE + "/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "住民票の写し交付請求" in text and "児童手当 認定請求" in text
    assert "非公開の手続" not in text
    assert "住民基本台帳法第12条" in text and "300" in text and "本人確認書類" in text
    assert 'href="https://example.jp/teate"' in text  # the apply link of an online procedure
    assert "procedures.csv" in text and "procedures.json" in text


@pytest.mark.parametrize(
    ("query", "shown", "not_shown"),
    [
        ({"q": "住民票"}, "住民票の写し交付請求", "児童手当 認定請求"),
        ({"department": "kodomo"}, "児童手当 認定請求", "住民票の写し交付請求"),
        ({"channel": "post"}, "住民票の写し交付請求", "児童手当 認定請求"),
        ({"online": "1"}, "児童手当 認定請求", "住民票の写し交付請求"),
        ({"online": "0"}, "住民票の写し交付請求", "児童手当 認定請求"),
    ],
)
def test_public_list_filters(miyakonojo, catalog_rows, query, shown, not_shown):
    text = _client().get(BASE + "/", query).content.decode()
    assert shown in text and not_shown not in text


def test_a_wrong_filter_value_is_ignored_not_an_error(miyakonojo, catalog_rows):
    page = _client().get(BASE + "/", {"channel": "fax", "online": "maybe"})
    assert page.status_code == 200
    assert "住民票の写し交付請求" in page.content.decode()


def test_english_page_with_japanese_fallback(miyakonojo, catalog_rows):
    text = _client(language="en").get(BASE + "/").content.decode()
    assert "Copy of the resident record" in text
    assert "300 yen" in text
    # No English name: the Japanese one, marked as Japanese for screen readers.
    assert 'lang="ja">児童手当 認定請求' in text


def test_detail_page(miyakonojo, catalog_rows):
    page = _client().get(BASE + "/juminhyo/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "住民票の写し交付請求" in text and "委任状（代理人の場合）" in text
    assert "1通につき" in text
    assert _client().get(BASE + "/hidden/").status_code == 404  # unpublished
    assert _client().get(BASE + "/nothing/").status_code == 404
    assert _client().get("/m/452017/procedures/juminhyo/").status_code == 404


def test_a_live_form_gives_the_apply_link(miyakonojo, catalog_rows, settings):
    juminhyo = catalog_rows[0]
    form = Form.objects.create(
        municipality=miyakonojo, procedure=juminhyo, slug="juminhyo-web", title_ja="申請"
    )
    version = FormVersion.objects.create(
        municipality=miyakonojo, form=form, number=1, definition={"pages": []}
    )
    form.live_version, form.status = version, "live"
    form.save()
    from django.urls import NoReverseMatch

    from kanmin.core.tenancy import tenant_reverse

    text = _client().get(BASE + "/juminhyo/").content.decode()
    try:
        expected = tenant_reverse("procedures:apply_start", miyakonojo, {"slug": "juminhyo-web"})
    except NoReverseMatch:  # the apply flow is not merged yet: no link, and no error
        assert "juminhyo-web" not in text
    else:
        assert f'href="{expected}"' in text


def test_open_data_files(miyakonojo, catalog_rows):
    answer = _client().get(BASE + "/procedures.csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == [c.title_ja for c in catalog.COLUMNS]
    assert sorted(r[1] for r in rows[1:]) == ["jido-teate", "juminhyo"]
    data = _client().get(BASE + "/procedures.json").json()
    assert data["name"] == "procedures.procedures"
    assert {r["code"] for r in data["rows"]} == {"jido-teate", "juminhyo"}
    assert _client().get(BASE + "/procedures.xml").status_code == 404
    # The registry serves the same table under /datasets/.
    same = _client().get("/m/452025/datasets/procedures.csv")
    assert same.content == answer.content


STAFF_PAGES = ["/", "/new/", "/import/", "/procedures.csv", "/juminhyo/", "/juminhyo/delete/"]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_need_the_role_of_this_municipality(
    page, miyakonojo, miyazaki, manager, catalog_rows, make_user
):
    assert _client(manager).get(STAFF + page).status_code == 200
    anonymous = _client().get(STAFF + page)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    steward = make_user("steward", "data_steward", miyakonojo)
    assert _client(steward).get(STAFF + page).status_code == 403
    # Another municipality's manager cannot tell that the procedure exists.
    other = make_user("other", "procedures_manager", miyazaki)
    assert _client(other).get(STAFF + page).status_code == 404


def test_another_municipalitys_procedure_is_not_found(
    miyakonojo, miyazaki, catalog_rows, make_user
):
    other = make_user("other", "procedures_manager", miyazaki)
    client = _client(other)
    assert client.get("/m/452017/procedures/staff/catalog/juminhyo/").status_code == 404
    answer = client.post("/m/452017/procedures/staff/catalog/juminhyo/delete/")
    assert answer.status_code == 404
    answer = client.post("/m/452017/procedures/staff/catalog/juminhyo/publish/", {"published": "0"})
    assert answer.status_code == 404
    assert Procedure.all_tenants.get(code="juminhyo").is_published


def test_counter_clerk_reads_the_catalog_but_cannot_change_it(miyakonojo, catalog_rows, make_user):
    clerk = make_user("madoguchi", "counter_clerk", miyakonojo)
    assert _client(clerk).get(STAFF + "/").status_code == 200
    assert _client(clerk).get(STAFF + "/juminhyo/").status_code == 403
    assert _client(clerk).post(STAFF + "/juminhyo/publish/", {"published": "0"}).status_code == 403


def test_add_a_procedure(miyakonojo, manager):
    department(miyakonojo)
    client = _client(manager)
    data = {
        "code": "inu",
        "name_ja": "犬の登録",
        "department": "shimin",
        "fee_yen": "3000",
        "channels": ["counter"],
        "documents": "狂犬病予防注射済証",
        "is_published": "on",
    }
    answer = client.post(STAFF + "/new/", data)
    assert answer.status_code == 302
    created = selectors.procedure_get(miyakonojo, "inu")
    assert created.fee_yen == 3000 and created.department.code == "shimin"
    # The same code again: the form says so and keeps what was typed.
    again = client.post(STAFF + "/new/", {**data, "name_ja": "犬の登録（2）"})
    text = again.content.decode()
    assert again.status_code == 422 and "犬の登録（2）" in text and "inu" in text


def test_the_form_shows_the_services_errors(miyakonojo, manager):
    answer = _client(manager).post(
        STAFF + "/new/",
        {"code": "x", "name_ja": "X", "channels": ["counter"], "is_online": "on"},
    )
    assert answer.status_code == 422
    assert 'id="id_is_online_error"' in answer.content.decode()
    assert not Procedure.all_tenants.exists()


def test_edit_unpublish_and_publish(miyakonojo, manager, catalog_rows):
    client = _client(manager)
    page = client.get(STAFF + "/juminhyo/")
    assert "住民基本台帳法第12条" in page.content.decode()
    answer = client.post(
        STAFF + "/juminhyo/",
        {
            "name_ja": "住民票の写しの交付",
            "department": "shimin",
            "fee_yen": "350",
            "channels": ["counter", "post"],
            "is_published": "on",
        },
    )
    assert answer.status_code == 302
    changed = selectors.procedure_get(miyakonojo, "juminhyo")
    assert changed.name_ja == "住民票の写しの交付" and changed.fee_yen == 350
    assert client.post(STAFF + "/juminhyo/publish/", {"published": "0"}).status_code == 302
    assert not selectors.procedure_get(miyakonojo, "juminhyo").is_published
    assert _client().get(BASE + "/juminhyo/").status_code == 404
    client.post(STAFF + "/juminhyo/publish/", {"published": "1"})
    assert selectors.procedure_get(miyakonojo, "juminhyo").is_published


def test_delete_offers_unpublishing_when_forms_exist(miyakonojo, manager, catalog_rows):
    Form.objects.create(
        municipality=miyakonojo, procedure=catalog_rows[0], slug="f", title_ja="申請"
    )
    client = _client(manager)
    page = client.get(STAFF + "/juminhyo/delete/")
    text = page.content.decode()
    assert page.status_code == 200 and "/juminhyo/publish/" in text
    refused = client.post(STAFF + "/juminhyo/delete/")
    assert refused.status_code == 409
    assert Procedure.all_tenants.filter(code="juminhyo").exists()
    # One nothing refers to is deleted.
    assert client.post(STAFF + "/hidden/delete/").status_code == 302
    assert not Procedure.all_tenants.filter(code="hidden").exists()


def test_export_then_import_through_the_pages(miyakonojo, manager, catalog_rows):
    client = _client(manager)
    exported = client.get(STAFF + "/procedures.csv")
    text = exported.content.decode("utf-8-sig")
    assert "hidden" in text  # staff export lists unpublished ones too
    edited = text.replace("住民基本台帳法第12条", "住民基本台帳法第12条第1項")
    upload = SimpleUploadedFile("p.csv", edited.encode("cp932"), "text/csv")
    answer = client.post(STAFF + "/import/", {"file": upload})
    assert answer.status_code == 200
    assert selectors.procedure_get(miyakonojo, "juminhyo").legal_basis.endswith("第1項")
    bad = edited.replace("juminhyo", "bad code")
    answer = client.post(
        STAFF + "/import/", {"file": SimpleUploadedFile("p.csv", bad.encode("cp932"))}
    )
    assert answer.status_code == 422
    assert "手続コード" in answer.content.decode()


def test_staff_home_lists_the_catalog(miyakonojo, manager, make_user):
    text = _client(manager).get("/m/452025/staff/").content.decode()
    assert STAFF + "/" in text and STAFF + "/import/" in text
    clerk = make_user("madoguchi", "counter_clerk", miyakonojo)
    text = _client(clerk).get("/m/452025/staff/").content.decode()
    assert STAFF + "/" in text and STAFF + "/import/" not in text


def test_rest_api_lists_the_published_catalog(miyakonojo, catalog_rows):
    answer = _client().get("/api/v1/m/452025/procedures", {"online": "true"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["count"] == 1 and data["results"][0]["code"] == "jido-teate"
    assert data["results"][0]["channels"] == ["online", "counter"]
    every = _client().get("/api/v1/m/452025/procedures").json()
    assert {r["code"] for r in every["results"]} == {"juminhyo", "jido-teate"}  # not hidden
    one = _client().get("/api/v1/m/452025/procedures/juminhyo").json()
    assert one["documents"] == ["本人確認書類", "委任状（代理人の場合）"] and one["fee_yen"] == 300
    assert _client().get("/api/v1/m/452025/procedures/hidden").status_code == 404
    assert _client().get("/api/v1/m/452017/procedures/juminhyo").status_code == 404
