"""The whole conversation in Chromium, each person in their own browser:
staff files and sees the routing; the liaison of that office finds it in the
queue, accepts and asks for information; staff answers; the liaison resolves;
staff confirms. Another municipality's staff gets 404 on its URL."""

import re

import pytest

from consult.lifecycle import Status
from consult.models import Consultation

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def status_of(consultation: Consultation) -> str:
    consultation.refresh_from_db()
    return consultation.status


def test_filed_answered_resolved_confirmed(open_as, django_user_model):
    users = {user.email: user for user in django_user_model.objects.all()}
    staff = open_as(users["staff@matsumoto.example.lg.jp"], "/")

    # Staff: home → new consultation → check page with the routing → filed.
    staff.get_by_role("link", name="新しい相談").first.click()
    staff.get_by_label("スマート農林水産業・食品産業", exact=True).check()
    staff.get_by_label("件名", exact=True).fill("スマート農業機械の共同利用について")
    staff.get_by_label("相談内容", exact=True).fill(
        "集落営農でドローンを共同利用する場合の補助の対象を教えてください。"
    )
    staff.get_by_role("button", name="確認画面へ進む").click()
    staff.wait_for_url("**/consultations/new/check/")
    check = staff.locator("main").inner_text()
    assert "関東農政局" in check  # where it goes
    assert "長野県は関東農政局の管轄" in check  # and why
    staff.get_by_role("button", name="この内容で相談する").click()
    staff.wait_for_url("**/filed/")
    consultation = Consultation.objects.get()
    assert consultation.reference in staff.locator(".panel").inner_text()
    assert consultation.status == Status.OPEN and consultation.primary_office.slug == "maff-rab-kanto"

    # The liaison of 関東農政局: the queue shows it, unassigned; accept, then ask for information.
    liaison = open_as(users["liaison@kanto.maff.example.go.jp"], "/queue/")
    row = liaison.locator("tr", has_text=consultation.title)
    assert "未割当" in row.inner_text()
    row.get_by_role("link", name=consultation.title).click()
    liaison.wait_for_url(f"**/consultations/{consultation.pk}/")
    liaison.get_by_role("button", name="この相談を受け付ける").click()
    liaison.wait_for_load_state()
    assert status_of(consultation) == Status.IN_PROGRESS
    liaison.locator("summary", has_text="相談者に追加情報を依頼する").click()
    liaison.get_by_label("依頼する内容").fill("共同利用する農業者の人数と、対象となる面積を教えてください。")
    liaison.get_by_role("button", name="追加情報を依頼する").click()
    liaison.wait_for_load_state()
    assert status_of(consultation) == Status.AWAITING_FILER

    # Staff sees the request first on the home page, and answers it.
    staff.goto(staff.url.split("/consultations/")[0] + "/")
    waiting = staff.locator("main").inner_text()
    assert "回答をお待たせしている相談" in waiting and consultation.title in waiting
    staff.get_by_role("link", name=consultation.title).first.click()
    assert "共同利用する農業者の人数" in staff.locator("main").inner_text()
    staff.get_by_label("返信の内容").fill("農業者は12名、面積は約30haです。")
    staff.get_by_role("button", name="返信を送信する").click()
    staff.wait_for_load_state()
    assert status_of(consultation) == Status.IN_PROGRESS

    # The liaison resolves with an answer.
    liaison.reload()
    assert "農業者は12名" in liaison.locator("main").inner_text()
    liaison.locator("summary", has_text="回答して解決にする").click()
    liaison.get_by_label("回答の内容").fill("共同利用は補助の対象です。申請書の様式を添付してお送りします。")
    liaison.get_by_role("button", name="回答して解決にする").click()
    liaison.wait_for_load_state()
    assert status_of(consultation) == Status.RESOLVED

    # Staff confirms; the consultation is closed.
    staff.reload()
    assert "共同利用は補助の対象です" in staff.locator("main").inner_text()
    check_page(staff, "consultation-resolved")
    staff.get_by_role("button", name="解決したことを確認する").click()
    staff.wait_for_load_state()
    assert status_of(consultation) == Status.CLOSED
    assert "完了" in staff.locator("h1, .status-tag").first.evaluate("e => e.closest('main').innerText")

    # 新潟市's staff: the URL does not exist for them.
    other = open_as(users["staff@niigata.example.lg.jp"], f"/consultations/{consultation.pk}/")
    response = other.goto(other.url)
    assert response.status == 404
    assert consultation.title not in other.content()


def test_pages_in_english(open_as, django_user_model):
    """The English switch reaches every string of the main pages."""
    staff = django_user_model.objects.get(email="staff@matsumoto.example.lg.jp")
    page = open_as(staff, "/", language="en")
    assert page.locator("html").get_attribute("lang") == "en"
    japanese = re.compile(r"[\u3040-\u30ff]")  # kana: names of places and people are kanji
    for path in ["/", "/consultations/new/", "/inbox/", "/inbox/preferences/"]:
        page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/")[2] + path)
        headings = " ".join(page.locator("h1, h2, label, button, th").all_inner_texts())
        assert not japanese.search(headings), f"{path}: {japanese.findall(headings)[:10]} in {headings[:300]}"
