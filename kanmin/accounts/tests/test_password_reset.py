"""Residents reset a forgotten password: a link by e-mail (Django's tokens), the same answer
whether or not the address has an account, no link for staff accounts, a limit per hour, and
the header's links for anonymous users, residents and staff."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from kanmin.accounts import resident_services as residents
from kanmin.accounts import services

pytestmark = pytest.mark.django_db

NEW = "kirishima-Takachiho-88"


def _resident(make_user, municipality, email="hanako@example.jp"):
    user = make_user(email, "citizen", municipality)
    user.email = email
    user.save()
    return user


def _link(message) -> str:
    found = re.search(r"http://testserver(/accounts/password-reset/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_a_resident_sets_a_new_password_from_the_emailed_link(client, make_user, miyakonojo):
    _resident(make_user, miyakonojo)
    response = client.post("/accounts/password-reset/", {"email": "Hanako@example.jp"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hanako@example.jp"]
    link = _link(mail.outbox[0])
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/accounts/password-reset/done/"
    signed_in = client.post("/accounts/login/", {"username": "hanako@example.jp", "password": NEW})
    assert signed_in.status_code == 302
    # The link works once.
    client.logout()
    again = client.get(link, follow=True)
    assert not again.context["validlink"]


def test_the_answer_is_the_same_for_unknown_addresses_and_staff(client, make_user, miyakonojo):
    clerk = make_user("clerk", "department_staff", miyakonojo)
    clerk.email = "clerk@city.example.jp"
    clerk.save()
    _resident(make_user, miyakonojo)
    answers = [
        client.post("/accounts/password-reset/", {"email": address})
        for address in ("nobody@example.jp", "clerk@city.example.jp", "hanako@example.jp")
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, "/accounts/password-reset/sent/")
    }
    # Only the resident gets a link: not staff, and nothing for an unknown address.
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]


def test_requests_are_limited_per_address(client, make_user, miyakonojo):
    def ask(email):
        return client.post("/accounts/password-reset/", {"email": email})

    for _ in range(residents.RESET_PER_EMAIL):
        assert ask("x@example.jp").status_code == 302
    refused = ask("x@example.jp")
    assert refused.status_code == 429
    assert refused.context["form"].errors["email"]  # said on the field, mail not sent
    assert len(mail.outbox) == 0
    # Another address is not held up by it.
    assert ask("y@example.jp").status_code == 302


def test_a_bad_link_says_so(client):
    page = client.get("/accounts/password-reset/MQ/bad-token/")
    assert page.status_code == 200 and not page.context["validlink"]


def _nav(client, url) -> str:
    html = client.get(url).content.decode()
    return html[html.index('class="site-nav"') : html.index("</nav>")]


def test_header_links_for_anonymous_resident_and_staff(client, make_user, miyakonojo, miyazaki):
    anonymous = _nav(client, "/m/452025/")
    assert "/accounts/login/" in anonymous
    assert "/accounts/register/?municipality=452025" in anonymous
    assert "/my/" not in anonymous and "/staff/" not in anonymous
    resident = _resident(make_user, miyakonojo)
    client.force_login(resident)
    mine = _nav(client, "/m/452025/")
    assert 'href="/m/452025/my/"' in mine and "/accounts/login/" not in mine
    assert "/staff/" not in mine
    # On another municipality's pages (and the portal), the link goes to their own My page.
    assert 'href="/m/452025/my/"' in _nav(client, "/m/452017/")
    assert 'href="/m/452025/my/"' in _nav(client, "/")
    clerk = make_user("clerk", "department_staff", miyakonojo)
    services.membership_grant(municipality=miyazaki, actor=None, user=clerk, role="citizen")
    client.force_login(clerk)
    staff = _nav(client, "/m/452025/")
    assert "/my/" not in staff and "/m/452025/staff/" in staff
