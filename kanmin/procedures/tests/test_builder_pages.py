"""The form builder's staff pages: who may open them, and building, routing, previewing,
publishing, downloading and importing a form through them."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kanmin.procedures import builder_services, definitions
from kanmin.procedures.models import Form
from kanmin.procedures.tests import factories

BASE = "/m/452025/procedures/staff/forms"


def _client(user=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def manager(make_user, miyakonojo):
    return make_user("tetsuzuki", "procedures_manager", miyakonojo)


@pytest.fixture
def jidou(miyakonojo):
    return factories.form(miyakonojo, slug="jidou", definition=factories.two_page_definition())


EDITOR_PAGES = [
    "/jidou/",
    "/jidou/preview/",
    "/jidou/publish/",
    "/jidou/versions/",
    "/jidou/import/",
    "/jidou/settings/",
    "/jidou/draft.json",
    "/jidou/pages/start/",
    "/jidou/pages/start/questions/new/",
    "/jidou/pages/start/questions/new/?type=choice",
    "/jidou/questions/children/",
]


@pytest.mark.parametrize("page", EDITOR_PAGES)
def test_builder_pages_need_change_form_in_this_municipality(
    page, miyakonojo, miyazaki, manager, jidou, make_user
):
    assert _client(manager).get(BASE + page).status_code == 200
    anonymous = _client().get(BASE + page)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    staff = make_user("kakari", "department_staff", miyakonojo)
    assert _client(staff).get(BASE + page).status_code == 403
    other = make_user("other", "procedures_manager", miyazaki)
    assert _client(other).get(BASE + page).status_code == 404
    # Under their own municipality's address, the form does not exist.
    assert _client(other).get("/m/452017/procedures/staff/forms" + page).status_code == 404


def test_the_list_is_for_staff_who_see_forms(miyakonojo, manager, jidou, make_user):
    staff = make_user("kakari", "department_staff", miyakonojo)
    answer = _client(staff).get(BASE + "/")
    assert answer.status_code == 200 and "jidou" in answer.content.decode()
    assert _client(staff).get(BASE + "/new/").status_code == 403
    assert "Build a new form" in _client(manager).get(BASE + "/").content.decode()


def test_another_municipalitys_staff_cannot_post_changes(miyazaki, jidou, make_user):
    other = make_user("other", "procedures_manager", miyazaki)
    client = _client(other)
    assert client.post(BASE + "/jidou/publish/").status_code == 404
    assert client.post("/m/452017/procedures/staff/forms/jidou/publish/").status_code == 404
    assert (
        client.post(BASE + "/jidou/edit/", {"op": "page_delete", "target": "child"}).status_code
        == 404
    )
    assert Form.objects.get(pk=jidou.pk).status == Form.Status.DRAFT
    assert len(Form.objects.get(pk=jidou.pk).draft_definition["pages"]) == 2


def test_building_a_form_through_the_pages(miyakonojo, manager):
    procedure = factories.procedure(miyakonojo, code="jidou-teate")
    client = _client(manager)
    answer = client.post(
        BASE + "/new/",
        {"procedure": procedure.pk, "slug": "jidou", "title_ja": "児童手当", "title_en": ""},
    )
    assert answer.status_code == 302
    form = Form.objects.get(slug="jidou")

    def digest():
        form.refresh_from_db()
        return definitions.definition_digest(form.draft_definition)

    # Two pages.
    for title in ("はじめに", "お子さん"):
        answer = client.post(
            BASE + "/jidou/pages/add/", {"newpage-title_ja": title, "digest": digest()}
        )
        assert answer.status_code == 302, answer.content.decode()[:2000]
    form.refresh_from_db()
    first, second = [p["id"] for p in form.draft_definition["pages"]]
    # A choice question on the first page, a name on the second.
    answer = client.post(
        f"{BASE}/jidou/pages/{first}/questions/new/?type=choice",
        {
            "q_type_chosen": "choice",
            "question_id": "children",
            "label_ja": "お子さんはいますか",
            "required": "on",
            "choices": "yes|はい|Yes\nno|いいえ|No",
            "digest": digest(),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    answer = client.post(
        f"{BASE}/jidou/pages/{second}/questions/new/",
        {"q_type_chosen": "name", "label_ja": "お子さんの氏名", "kana": "on", "digest": digest()},
    )
    assert answer.status_code == 302
    # Routing: "no" goes straight to check-your-answers.
    answer = client.post(
        f"{BASE}/jidou/pages/{first}/",
        {
            "title_ja": "はじめに",
            "next_page": "",
            "route-TOTAL_FORMS": "1",
            "route-INITIAL_FORMS": "0",
            "route-MIN_NUM_FORMS": "0",
            "route-MAX_NUM_FORMS": "20",
            "route-0-answers": ["children=no"],
            "route-0-goto": "check",
            "digest": digest(),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    form.refresh_from_db()
    assert form.draft_definition["pages"][0]["routes"] == [
        {"question": "children", "in": ["no"], "goto": "check"}
    ]
    editor = client.get(BASE + "/jidou/").content.decode()
    assert "problem" not in editor.lower()
    assert "If the answer to “お子さんはいますか” is No: go to “Check your answers" in editor
    # Publish: the confirmation names the version and what is added.
    confirm = client.get(BASE + "/jidou/publish/").content.decode()
    assert "Publish version 1" in confirm and "お子さんの氏名" in confirm
    assert client.post(BASE + "/jidou/publish/").status_code == 302
    form.refresh_from_db()
    assert (form.status, form.live_version.number) == ("live", 1)
    download = client.get(BASE + "/jidou/versions/1.json")
    assert json.loads(download.content)["definition"] == form.live_version.definition
    assert "attachment" in download["Content-Disposition"]


def test_problems_are_listed_with_links_and_block_publishing(miyakonojo, manager, jidou):
    broken = factories.two_page_definition()
    broken["pages"][0]["routes"][0]["in"] = ["maybe"]
    builder_services.form_definition_save(
        municipality=miyakonojo, actor=None, form=jidou, definition=broken
    )
    client = _client(manager)
    editor = client.get(BASE + "/jidou/").content.decode()
    assert 'href="#page-start"' in editor and "“maybe”" in editor
    answer = client.post(BASE + "/jidou/publish/")
    assert answer.status_code == 422
    assert "fix the problems" in answer.content.decode()
    assert Form.objects.get(pk=jidou.pk).live_version is None


def test_a_wrong_option_is_shown_on_the_question_form_and_kept(manager, jidou):
    answer = _client(manager).post(
        BASE + "/jidou/pages/child/questions/new/",
        {
            "q_type_chosen": "file",
            "label_ja": "書類",
            "max_mb": "50",
            "file_types": ["pdf"],
            "digest": definitions.definition_digest(jidou.draft_definition),
        },
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "書類" in page  # what was typed is still there
    assert "20" in page


def test_moving_and_deleting_with_the_buttons(manager, jidou):
    client = _client(manager)
    digest = definitions.definition_digest(jidou.draft_definition)
    answer = client.post(
        BASE + "/jidou/edit/", {"op": "page_down", "target": "start", "digest": digest}
    )
    assert answer.status_code == 302
    jidou.refresh_from_db()
    assert [p["id"] for p in jidou.draft_definition["pages"]] == ["child", "start"]
    # A stale copy is refused, and nothing changes.
    answer = client.post(
        BASE + "/jidou/edit/",
        {"op": "question_delete", "target": "children", "digest": digest},
        follow=True,
    )
    assert "Someone changed this form" in answer.content.decode()
    jidou.refresh_from_db()
    assert "children" in json.dumps(jidou.draft_definition)


def test_import_replaces_the_draft(manager, jidou):
    definition = factories.two_page_definition()
    definition["pages"][0]["title"] = {"ja": "最初"}
    upload = SimpleUploadedFile(
        "form.json", json.dumps({"definition": definition}).encode(), "application/json"
    )
    answer = _client(manager).post(BASE + "/jidou/import/", {"file": upload})
    assert answer.status_code == 302
    jidou.refresh_from_db()
    assert jidou.draft_definition["pages"][0]["title"] == {"ja": "最初"}
    bad = SimpleUploadedFile("form.json", b"{oops", "application/json")
    answer = _client(manager).post(BASE + "/jidou/import/", {"file": bad})
    assert answer.status_code == 422 and "line 1" in answer.content.decode()


def test_english_pages_mark_labels_written_only_in_japanese(manager, jidou):
    """お子さん has an English title, 氏名 has none: only the latter is marked lang="ja"."""
    editor = _client(manager).get(BASE + "/jidou/").content.decode()
    assert "Edit the form" in editor
    assert '<strong lang="ja">氏名</strong>' in editor
    assert "<strong>Do you have children?</strong>" in editor


def test_japanese_pages_are_in_japanese(manager, jidou):
    client = _client(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    editor = client.get(BASE + "/jidou/").content.decode()
    assert "様式の編集" in editor and "このページに質問を追加" in editor


def test_a_rule_without_a_destination_is_refused_and_kept(manager, jidou):
    answer = _client(manager).post(
        BASE + "/jidou/pages/start/",
        {
            "title_ja": "はじめに",
            "next_page": "",
            "route-TOTAL_FORMS": "2",
            "route-INITIAL_FORMS": "1",
            "route-MIN_NUM_FORMS": "0",
            "route-MAX_NUM_FORMS": "20",
            "route-0-answers": ["children=no"],
            "route-0-goto": "check",
            "route-1-answers": ["children=yes"],
            "route-1-goto": "",
            "digest": definitions.definition_digest(jidou.draft_definition),
        },
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "Choose where these answers go." in page
    assert 'value="children=yes" id="id_route-1-answers_1_1" checked' in page
    jidou.refresh_from_db()
    assert jidou.draft_definition == factories.two_page_definition()
