"""Issue 13, the data steward: where to publish, a free name and the steward's own department
when starting from a standard data set, what each state change does, oversized uploads
refused from their declared size, and a corrected copy that can replace its original."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kanmin.audit.models import AuditEvent
from kanmin.catalog import services
from kanmin.catalog.models import Dataset, DatasetState, Resource, ResourceRevision, Validation
from kanmin.catalog.tests.helpers import run_queued_tasks
from kanmin.core.errors import Invalid, PermissionDenied
from kanmin.standards.tests.factories import aed_rows, csv_bytes

pytestmark = pytest.mark.django_db

M = "/m/452025"
BASE = f"{M}/catalog"


@pytest.fixture
def steward_client(client, steward):
    client.force_login(steward)
    return client


# --- Finding where to publish -------------------------------------------------------------


def test_the_staff_home_lists_what_a_steward_can_do(steward_client, org):
    page = steward_client.get(f"{M}/staff/").content.decode()
    assert f'href="{BASE}/new/"' in page
    assert f'href="{BASE}/unpublished/"' in page
    assert 'href="/accounts/"' in page  # two-step sign-in, under "my account"
    assert "#departments" not in page  # managing departments is for administrators


def test_department_staff_see_no_publishing_action(client, make_user, miyakonojo):
    client.force_login(make_user("tanaka", "department_staff", miyakonojo))
    page = client.get(f"{M}/staff/").content.decode()
    assert f'href="{BASE}/new/"' not in page
    assert f'href="{BASE}/"' in page  # the catalog, where staff also find drafts


def test_the_header_and_the_catalog_page_lead_a_steward_to_publishing(steward_client, org):
    page = steward_client.get(f"{BASE}/").content.decode()
    assert f'href="{M}/staff/"' in page
    assert f'href="{BASE}/new/"' in page


def test_visitors_and_department_staff_get_no_new_dataset_button(client, make_user, miyakonojo):
    page = client.get(f"{BASE}/").content.decode()
    assert f'href="{BASE}/new/"' not in page
    assert f'href="{M}/staff/"' not in page
    client.force_login(make_user("tanaka", "department_staff", miyakonojo))
    page = client.get(f"{BASE}/").content.decode()
    assert f'href="{BASE}/new/"' not in page
    assert f'href="{M}/staff/"' in page  # staff pages, yes


def test_the_account_page_links_to_the_staff_home(steward_client):
    page = steward_client.get("/accounts/").content.decode()
    link = re.search(rf'<a [^>]*href="{M}/staff/"[^>]*>([^<]+)</a>', page)
    assert link is not None and "都城市" in link.group(1)


def test_the_unpublished_list_puts_the_stewards_own_drafts_first(
    steward_client, steward, make_dataset, miyakonojo, org
):
    make_dataset("others-draft", "他人の下書き", state=DatasetState.DRAFT)
    services.dataset_create(
        municipality=miyakonojo, actor=steward, organization=org, name="mine", title_ja="私の下書き"
    )
    make_dataset("public", "公開中", state=DatasetState.PUBLISHED)
    page = steward_client.get(f"{BASE}/unpublished/").content.decode()
    assert page.index("私の下書き") < page.index("他人の下書き")
    assert "公開中" not in page


# --- Starting from a standard data set ------------------------------------------------------


def test_starting_from_a_standard_offers_a_free_name_by_the_file_name_rule(
    steward_client, make_dataset
):
    page = steward_client.get(f"{BASE}/new/", {"standard": "aed"}).content.decode()
    assert 'name="name" value="452025_aed"' in page
    make_dataset("452025_aed", "AED（既存）")
    make_dataset("452025_aed_2", "AED（既存2）")
    page = steward_client.get(f"{BASE}/new/", {"standard": "aed"}).content.decode()
    assert 'name="name" value="452025_aed_3"' in page


def test_the_prefilled_form_saves_even_when_the_demo_already_has_aed(
    steward_client, make_dataset, org
):
    make_dataset("aed", "AED設置箇所一覧（デモ）")
    page = steward_client.get(f"{BASE}/new/", {"standard": "aed"}).content.decode()
    name = re.search(r'name="name" value="([^"]+)"', page)
    assert name is not None
    response = steward_client.post(
        f"{BASE}/new/",
        {
            "organization": str(org.pk),
            "title_ja": "AED設置箇所一覧",
            "name": name.group(1),
            "license_id": "cc-by-4.0",
            "standard_dataset": "aed",
        },
    )
    assert response.status_code == 302


def test_the_organization_defaults_to_the_stewards_own_department(
    client, make_user, miyakonojo, org
):
    from kanmin.accounts import services as accounts_services
    from kanmin.core import services as core_services

    department = core_services.department_create(
        municipality=miyakonojo, actor=None, code="kikikanri", name_ja="危機管理課"
    )
    own = services.organization_create(
        municipality=miyakonojo,
        actor=None,
        name="kikikanri",  # listed after "johoseisaku", which today's form picks
        title_ja="危機管理課",
        department=department,
    )
    user = make_user("yamada", None, miyakonojo)
    accounts_services.membership_grant(
        municipality=miyakonojo,
        actor=None,
        user=user,
        role="data_steward",
        department=department,
    )
    client.force_login(user)
    page = client.get(f"{BASE}/new/", {"standard": "aed"}).content.decode()
    select = re.search(r'<select name="organization".*?</select>', page, re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]+)"( selected)?>', select.group(0))
    assert options[0][0] == str(org.pk)  # the first in the list is another department's
    assert [value for value, chosen in options if chosen] == [str(own.pk)]


# --- What each state change does ------------------------------------------------------------


def test_each_state_button_says_what_it_does_to_visitors_search_the_api_and_the_address(
    steward_client, make_dataset
):
    make_dataset("aed", "AED")
    page = steward_client.get(
        f"{BASE}/dataset/aed/edit/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    for action in ("make_private", "withdraw", "draft"):
        button = re.search(
            rf'value="{action}"><button type="submit" aria-describedby="([^"]+)"', page
        )
        assert button is not None, action
        text = re.search(rf'<p id="{button.group(1)}">([^<]+)</p>', page)
        assert text is not None, action
        for word in ("search", "API", "address"):
            assert word in text.group(1) or (action == "draft" and word == "address"), (
                action,
                word,
            )


def test_the_state_explanations_are_in_japanese_too(client, steward, make_dataset):
    client.force_login(steward)
    make_dataset("aed", "AED")
    page = client.get(f"{BASE}/dataset/aed/edit/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "非公開にする" in page and "公開を停止する" in page and "下書きに戻す" in page
    assert "検索" in page and "API" in page and "アドレス" in page


# --- Oversized uploads -----------------------------------------------------------------------


class _UnreadBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the upload's body was read before it was refused")

    readline = read

    def __iter__(self):
        raise AssertionError("the upload's body was read before it was refused")


def test_an_oversized_upload_is_refused_from_its_declared_size_before_the_body_is_read(
    steward, make_dataset, settings
):
    make_dataset("aed", "AED", state=DatasetState.DRAFT)
    settings.FILE_UPLOAD_MAX_BYTES = 1024 * 1024
    browser = Client(enforce_csrf_checks=True)  # CSRF reads the body unless refused before
    browser.force_login(steward)
    browser.get(f"{BASE}/dataset/aed/resource/new/")  # sets the CSRF cookie
    response = browser.post(
        f"{BASE}/dataset/aed/resource/new/",
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": _UnreadBody()},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "50.0" in page and "1.0" in page  # the file's size and the limit
    assert f'href="{BASE}/dataset/aed/resource/new/"' in page  # the way back to the form
    assert not Resource.all_tenants.exists()


def test_the_refusal_page_speaks_english_too(steward, make_dataset, settings):
    make_dataset("aed", "AED", state=DatasetState.DRAFT)
    settings.FILE_UPLOAD_MAX_BYTES = 1024
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(steward)
    big = SimpleUploadedFile("aed.csv", b"a,b\r\n" + b"1,2\r\n" * 500_000)
    response = browser.post(f"{BASE}/dataset/aed/resource/new/", {"upload": big})
    assert response.status_code == 413
    page = response.content.decode()
    assert "The file was not accepted" in page and "Back to the form" in page


def test_the_form_tells_the_browser_the_limit(steward_client, make_dataset, settings):
    make_dataset("aed", "AED", state=DatasetState.DRAFT)
    settings.FILE_UPLOAD_MAX_BYTES = 2048
    page = steward_client.get(f"{BASE}/dataset/aed/resource/new/").content.decode()
    assert 'data-max-bytes="2048"' in page
    assert "catalog/upload_limit.js" in page


# --- The corrected copy ----------------------------------------------------------------------


def _copy(steward_client, org, make_dataset):
    make_dataset("aed", "AED設置箇所一覧", state=DatasetState.PUBLISHED, standard_dataset="aed")
    header, rows = aed_rows(3)
    rows[0][header.index("緯度")] = "３１．７"
    upload = SimpleUploadedFile("aed.csv", csv_bytes(header, rows, encoding="cp932"))
    response = steward_client.post(f"{BASE}/dataset/aed/resource/new/", {"upload": upload})
    original = Resource.all_tenants.get()
    response = steward_client.post(response["Location"], {"action": "repair"})
    run_queued_tasks()
    copy = Resource.all_tenants.exclude(repaired_from=None).get()
    return original, copy, response["Location"]


def test_the_help_text_says_everything_the_corrected_copy_fixes(steward_client, org, make_dataset):
    make_dataset("aed", "AED", state=DatasetState.DRAFT, standard_dataset="aed")
    header, rows = aed_rows(2)
    upload = SimpleUploadedFile("aed.csv", csv_bytes(header, rows))
    response = steward_client.post(f"{BASE}/dataset/aed/resource/new/", {"upload": upload})
    page = steward_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    help_text = page[page.index('id="repair-help"') :]
    for fixed in ("phone numbers", "column names", "katakana", "Shift_JIS", "和暦"):
        assert fixed in help_text, fixed


def test_the_copy_page_offers_to_replace_the_original_or_keep_both(
    steward_client, org, make_dataset
):
    _original, copy, url = _copy(steward_client, org, make_dataset)
    assert copy.repair_changes and copy.repair_changes >= 1
    page = steward_client.get(url).content.decode()
    assert 'value="replace_original"' in page and 'value="keep_both"' in page
    assert "changes.csv" in page  # the change log is linked


def test_replacing_the_original_keeps_it_in_the_history_for_staff_only(
    steward_client, client, org, make_dataset, steward
):
    original, copy, url = _copy(steward_client, org, make_dataset)
    first_name = original.file.name
    corrected = copy.file.read()
    response = steward_client.post(url, {"action": "replace_original"})
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/dataset/aed/resource/{original.pk}/"
    assert not Resource.all_tenants.filter(pk=copy.pk).exists()
    original.refresh_from_db()
    assert original.filename == "452025_aed.csv"  # the file name rule, not "_corrected"
    assert original.file.read() == corrected
    assert original.repair_log and original.repair_changes == copy.repair_changes
    assert Validation.all_tenants.filter(resource=original).count() == 2
    revision = ResourceRevision.all_tenants.get(resource=original)
    assert revision.file.name == first_name
    event = AuditEvent.objects.get(action="catalog.resource.replace_with_copy")
    assert event.changes["extra"]["revision"] == str(revision.pk)

    page = steward_client.get(response["Location"]).content.decode()
    history = f"{BASE}/dataset/aed/resource/{original.pk}/history/{revision.pk}/452025_aed.csv"
    assert history in page
    download = steward_client.get(history)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == original.revisions.get().file.read()
    # The replaced upload is never public: its download is in the audit log (issue 12).
    read = AuditEvent.objects.get(action="catalog.resource.download")
    assert read.changes["extra"]["revision"] == str(revision.pk)

    client.logout()
    public = client.get(response["Location"]).content.decode()
    assert "history/" not in public
    assert "changes.csv" in public  # the change log stays public
    assert client.get(history).status_code in (302, 403)


def test_keeping_both_stops_asking(steward_client, org, make_dataset):
    _original, copy, url = _copy(steward_client, org, make_dataset)
    steward_client.post(url, {"action": "keep_both"})
    copy.refresh_from_db()
    assert copy.kept_with_original
    page = steward_client.get(url).content.decode()
    assert 'value="replace_original"' not in page
    assert AuditEvent.objects.filter(action="catalog.resource.keep_both").count() == 1
    assert Resource.all_tenants.count() == 2


def test_only_a_corrected_copy_can_replace_and_only_by_staff(
    steward, org, make_dataset, miyakonojo, make_user, steward_client
):
    original, copy, _url = _copy(steward_client, org, make_dataset)
    with pytest.raises(Invalid):
        services.resource_replace_with_copy(municipality=miyakonojo, actor=steward, copy=original)
    clerk = make_user("clerk", "department_staff", miyakonojo)
    with pytest.raises(PermissionDenied):
        services.resource_replace_with_copy(municipality=miyakonojo, actor=clerk, copy=copy)


def test_deleting_the_dataset_deletes_the_earlier_files_too(
    steward_client,
    org,
    make_dataset,
    miyakonojo,
    steward,
    settings,
    django_capture_on_commit_callbacks,
):
    _original, _copy_resource, url = _copy(steward_client, org, make_dataset)
    steward_client.post(url, {"action": "replace_original"})
    revision = ResourceRevision.all_tenants.get()
    stored = Path(revision.file.path)
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.dataset_delete(
            municipality=miyakonojo, actor=steward, dataset=Dataset.all_tenants.get(name="aed")
        )
    assert not stored.exists()
