"""The resident's application pages through Django's client: the whole flow without
JavaScript, tampered hidden fields, a stale page, a skipped page, a double submit, the receipt
PDF, the postcode lookup and tenancy."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from kanmin.procedures import apply_services as services
from kanmin.procedures.models import Submission

from .apply_helpers import BANK, CHILDREN, CLAIMANT, JPEG, install

pytestmark = pytest.mark.django_db
BASE = "/m/452025/apply/jido-teate/"


@pytest.fixture(autouse=True)
def _setup(settings: Any, tmp_path: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DATA_DIR = tmp_path


@pytest.fixture
def form(miyakonojo: Any) -> Any:
    return install(miyakonojo)


def _english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def _start(client: Client) -> tuple[Submission, str]:
    response = client.post(BASE)
    assert response.status_code == 302
    submission = Submission.objects.get()
    return submission, response["Location"]


def _post(client: Client, url: str, submission: Submission, data: dict[str, Any], **extra: Any):
    submission.refresh_from_db()
    page = url.rstrip("/").rsplit("/", 1)[1]
    body = {
        "page": page,
        "submission": submission.public_id,
        "revision": submission.revision,
        **data,
        **extra,
    }
    return client.post(url, body)


def test_whole_flow_without_javascript(
    form: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    _english(client)
    assert "Start now" in client.get(BASE).content.decode()
    submission, url = _start(client)
    response = _post(client, url, submission, CLAIMANT)
    assert response.status_code == 302 and response["Location"].endswith("/family/")
    family = response["Location"]
    response = _post(client, family, submission, {"has_spouse": "no"})
    assert response["Location"].endswith("/children/")
    response = _post(client, response["Location"], submission, CHILDREN)
    bank = response["Location"]
    assert bank.endswith("/bank/")
    # A file whose content is not its type: a clear message, the typed answers kept.
    response = _post(
        client,
        bank,
        submission,
        {**BANK, "insurance_card": SimpleUploadedFile("card.jpg", b"not an image")},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "is not a JPEG, PNG, PDF file" in page
    assert 'value="都城銀行 本店"' in page
    response = _post(
        client, bank, submission, {**BANK, "insurance_card": SimpleUploadedFile("card.jpg", JPEG)}
    )
    assert response["Location"].endswith("/check/")
    check = client.get(response["Location"]).content.decode()
    assert "宮崎県都城市吉尾町1-2-3" in check and "card.jpg" in check
    key = re.search(r'name="submit_key" value="([^"]+)"', check).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(response["Location"], {"submit_key": key})
    second = client.post(response["Location"], {"submit_key": key})  # a double click
    assert first["Location"] == second["Location"] and first["Location"].endswith("/done/")
    submission.refresh_from_db()
    done = client.get(first["Location"]).content.decode()
    assert submission.reference in done and "What happens next" in done
    assert len(mail.outbox) == 1
    receipt = client.get(first["Location"].replace("/done/", "/receipt.pdf"))
    assert receipt["Content-Type"] == "application/pdf" and receipt.content.startswith(b"%PDF")
    assert b"IPAexGothic" in receipt.content  # the Japanese font is embedded


def test_tampered_hidden_fields_keep_what_was_typed(form: Any, client: Client) -> None:
    _english(client)
    submission, url = _start(client)
    response = _post(client, url, submission, CLAIMANT, page="family")
    assert response.status_code == 400
    page = response.content.decode()
    assert "damaged" in page and 'value="hanako@example.jp"' in page
    response = _post(client, url, submission, CLAIMANT, revision="abc")
    assert response.status_code == 409 and 'value="hanako@example.jp"' in response.content.decode()
    submission.refresh_from_db()
    assert services.answers_of(submission) == {}


def test_stale_page_says_so_and_keeps_the_answers(form: Any, client: Client) -> None:
    _english(client)
    submission, url = _start(client)
    _post(client, url, submission, CLAIMANT)
    response = _post(client, url, submission, {**CLAIMANT, "phone": "0986-23-2111"}, revision=0)
    page = response.content.decode()
    assert response.status_code == 409 and "another window or tab" in page
    assert 'value="0986-23-2111"' in page and 'name="revision" value="1"' in page


def test_skipped_page_cannot_be_answered(form: Any, client: Client) -> None:
    submission, url = _start(client)
    _post(client, url, submission, CLAIMANT)
    _post(client, url.replace("/claimant/", "/family/"), submission, {"has_spouse": "no"})
    spouse = url.replace("/claimant/", "/spouse/")
    response = _post(client, spouse, submission, {"spouse_name__family": "x"})
    assert response.status_code == 302 and response["Location"].endswith("/children/")
    submission.refresh_from_db()
    assert "spouse_name" not in services.answers_of(submission)


def test_errors_are_summarised_and_linked_to_their_fields(form: Any, client: Client) -> None:
    _english(client)
    submission, url = _start(client)
    response = _post(client, url, submission, {**CLAIMANT, "name__family": "㈱都城", "phone": ""})
    page = response.content.decode()
    assert response.status_code == 422
    assert 'href="#f-name__family"' in page and 'id="f-name__family"' in page
    assert "(株)" in page and 'href="#f-phone"' in page


def test_save_for_later_sends_a_link_that_resumes_in_another_browser(
    form: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    submission, url = _start(client)
    response = _post(client, url, submission, {**CLAIMANT, "phone": ""}, action="save")
    assert response["Location"].endswith("/save/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"email": "hanako@example.jp"})
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    other = Client()
    assert other.get(url).status_code == 403  # not this browser's
    assert other.get(link).status_code == 200  # a button, so a mail scanner uses nothing
    response = other.post(link)
    assert response.status_code == 302 and response["Location"].endswith("/claimant/")
    assert other.get(url).status_code == 200
    used = Client()
    assert used.post(link).status_code == 410
    with translation.override("en"):
        assert (
            "used already"
            in Client(HTTP_ACCEPT_LANGUAGE="en")
            .get(link, headers={"Cookie": "django_language=en"})
            .content.decode()
        )


def test_postcode_lookup(form: Any, client: Client) -> None:
    response = client.get("/m/452025/apply/postcode/8850006.json")
    assert response.json()["address"] == "宮崎県都城市吉尾町"
    assert client.get("/m/452025/apply/postcode/0000000.json").status_code == 404
    assert client.get("/m/452025/apply/postcode/12.json").status_code == 400


def test_find_address_button_fills_the_town_without_javascript(form: Any, client: Client) -> None:
    submission, url = _start(client)
    response = _post(client, url, submission, {"address__postcode": "885-0006"}, action="lookup")
    assert 'value="宮崎県都城市吉尾町"' in response.content.decode()


def test_another_municipality_cannot_open_a_submission(
    form: Any, miyazaki: Any, client: Client
) -> None:
    _submission, url = _start(client)
    install(miyazaki)
    other = url.replace("/m/452025/", "/m/452017/")
    assert client.get(other).status_code == 404
    assert client.get(url).status_code == 200


def test_expired_link_offers_a_new_one_without_telling_the_address(
    form: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from kanmin.procedures.models import ResumeLink

    _english(client)
    _submission, url = _start(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url.replace("/claimant/", "/save/"), {"email": "hanako@example.jp"})
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    ResumeLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    page = client.get(link)
    assert page.status_code == 410 and "expired" in page.content.decode()
    assert 'name="email"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post(link, {"email": "someone@example.jp"})
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        right = client.post(link, {"email": "hanako@example.jp"})
    assert len(mail.outbox) == 2
    # The same answer either way: the page does not tell whether an address was the one.
    for response in (wrong, right):
        assert response.status_code == 410
        assert "we have sent a new link to it" in response.content.decode()


def test_page_says_when_the_form_changed_under_the_draft(
    form: Any, client: Client, miyakonojo: Any
) -> None:
    _english(client)
    _submission, url = _start(client)
    changed = services.form_file("jido-teate")
    changed["pages"][0]["title"]["en"] = "The person who claims"
    install(miyakonojo, pages=changed["pages"])
    page = client.get(url).content.decode()
    assert "version 1" in page and "The claimant" in page
    fresh = Client()
    _english(fresh)
    response = fresh.post(BASE)
    assert "The person who claims" in fresh.get(response["Location"]).content.decode()


def test_signed_in_resident_saves_to_the_account(form: Any, client: Client, make_user: Any) -> None:
    _english(client)
    user = make_user("hanako")
    client.force_login(user)
    submission, url = _start(client)
    assert submission.applicant == user
    response = _post(client, url, submission, CLAIMANT, action="save")
    page = client.get(response["Location"]).content.decode()
    assert "kept in your account" in page
    other = Client()
    other.force_login(user)
    assert other.get(url).status_code == 200  # the account opens it in any browser


def test_check_page_sends_back_to_a_page_still_to_answer(form: Any, client: Client) -> None:
    submission, url = _start(client)
    _post(client, url, submission, CLAIMANT)
    response = client.get(url.replace("/claimant/", "/check/"))
    assert response.status_code == 302 and response["Location"].endswith("/family/")
    response = client.post(url.replace("/claimant/", "/check/"), {"submit_key": "k" * 32})
    assert response["Location"].endswith("/family/")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFT


def test_save_page_refuses_a_bad_address_and_keeps_it(form: Any, client: Client) -> None:
    _english(client)
    _submission, url = _start(client)
    response = client.post(url.replace("/claimant/", "/save/"), {"email": "hanako@"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "name@example.jp" in page and 'value="hanako@"' in page
    assert not mail.outbox
