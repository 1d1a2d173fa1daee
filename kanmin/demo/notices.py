"""The demo's resident: an account with two notices (one read) and a consultation thread."""

from __future__ import annotations

from typing import Any

from kanmin.accounts import selectors as accounts_selectors
from kanmin.accounts import services as accounts_services
from kanmin.accounts.models import User
from kanmin.core.models import Department, Municipality
from kanmin.procedures import notice_selectors, notice_services

RESIDENT = "resident@example.jp"


def resident_build(
    *, municipality: Municipality, actor: Any, password: str, departments: dict[str, Department]
) -> str:
    """Create the demo resident (user name and e-mail ``resident@example.jp``) with its notices
    and consultation; running it again changes nothing. Returns the user name."""
    user = User.objects.filter(username=RESIDENT).first()
    if user is None:
        user = accounts_services.user_create(
            actor=actor,
            municipality=municipality,
            username=RESIDENT,
            email=RESIDENT,
            last_name="都城",
            first_name="花子",
            password=password,
            check_password=False,
        )
    elif not user.check_password(password):
        accounts_services.user_set_password(
            actor=actor, user=user, password=password, check_password=False
        )
    accounts_services.membership_grant(
        municipality=municipality, actor=actor, user=user, role=accounts_selectors.CITIZEN
    )
    if notice_selectors.inbox(municipality=municipality, user=user).exists():
        return RESIDENT
    shimin = departments["shimin"]
    staff = User.objects.filter(username="staff").first()
    first = notice_services.notice_send(
        municipality=municipality,
        actor=staff,
        recipient=user,
        department=shimin,
        subject="マイナンバーカードの交付準備ができました",
        body=(
            "お申請いただいたマイナンバーカードの交付準備ができました。\n\n"
            "本通知と本人確認書類をお持ちのうえ、市民課窓口（本庁1階）へお越しください。\n"
            "受付時間：平日 8時30分〜17時15分"
        ),
    )
    notice_services.notice_read(municipality=municipality, actor=user, notice=first)
    notice_services.notice_send(
        municipality=municipality,
        actor=staff,
        recipient=user,
        department=shimin,
        subject="住民票の写しの郵送について",
        body=(
            "ご請求の住民票の写しを本日郵送しました。\n"
            "数日たっても届かない場合は市民課までご連絡ください。"
        ),
    )
    consultation = notice_services.consultation_open(
        municipality=municipality,
        actor=user,
        department=shimin,
        subject="転入届に必要な書類",
        body="来月、鹿児島県から転入します。転入届のときに必要な書類を教えてください。",
    )
    notice_services.consultation_reply(
        municipality=municipality,
        actor=staff,
        consultation=consultation,
        body=(
            "転入届には、前住所地で交付された転出証明書と、本人確認書類（マイナンバーカード、"
            "運転免許証など）が必要です。マイナンバーカードをお持ちの方は、転出証明書に代えて"
            "カードで手続きできます。転入した日から14日以内にお越しください。"
        ),
    )
    return RESIDENT
