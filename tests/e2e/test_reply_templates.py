"""Reply templates in Chromium: a liaison chooses one in the reply form (htmx
swaps the text area; without JavaScript the page reloads with it), edits the
text and sends it, the use counted once; the pages pass axe."""

import pytest
from django.contrib.auth import get_user_model

from consult import services
from consult.models import Message, ReplyTemplate, TemplateScope
from consult.reply_templates import Owner
from routing.models import Office

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)
LIAISON = "liaison@kanto.maff.example.go.jp"


def user(email):
    return get_user_model().objects.get(email=email)


@pytest.fixture
def setting(site):
    liaison = user(LIAISON)
    consultation = services.file_consultation(
        actor=user("staff@matsumoto.example.lg.jp"), title="スマート農業の導入について",
        body="ドローンによる農薬散布の補助制度について伺います。", policy_area="smart-agri",
    ).consultation  # fmt: skip
    office = Office.objects.get(slug="maff-rab-kanto")
    template = services.create_reply_template(
        actor=liaison, owner=Owner(TemplateScope.OFFICE, office_id=office.pk), name="受付のお知らせ",
        body="{自治体名} ご担当者様\n受付番号 {受付番号} は{担当部局}でお受けしました。")  # fmt: skip
    services.create_reply_template(actor=user("secretariat@cao.example.go.jp"), owner=Owner(TemplateScope.SECRETARIAT),
                                   name="事務局の定型文", body="回答期限は{回答期限}です。")  # fmt: skip
    return liaison, consultation, template


def test_choose_a_template_edit_and_send(open_as, setting):
    liaison, consultation, template = setting
    page = open_as(liaison, f"/consultations/{consultation.pk}/")
    page.get_by_label("返信テンプレート").select_option(label="受付のお知らせ")
    page.get_by_role("button", name="テンプレートを挿入").click()
    body = page.get_by_label("返信の内容")
    expected = f"松本市 ご担当者様\n受付番号 {consultation.reference} は関東農政局でお受けしました。"
    page.wait_for_function("(text) => document.querySelector('#id_reply-body').value === text", arg=expected)
    assert page.url.endswith(f"/consultations/{consultation.pk}/")  # swapped in place, not reloaded
    # The text area takes the focus once htmx has settled, to edit the text straight away.
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'id_reply-body'")
    check_page(page, "consultation-reply-template")
    body.fill(expected + "\n詳細は追ってご連絡します。")
    page.get_by_role("button", name="返信を送信する").click()
    page.wait_for_url(f"**/consultations/{consultation.pk}/")
    assert "詳細は追ってご連絡します。" in page.locator("main").inner_text()
    # Browsers send a text area's line breaks as CRLF.
    sent = Message.objects.get(consultation=consultation).body.replace("\r\n", "\n")
    assert sent == expected + "\n詳細は追ってご連絡します。"
    assert ReplyTemplate.objects.get(pk=template.pk).use_count == 1


def test_without_javascript_the_page_reloads_with_the_text(browser, site, setting):
    from django.conf import settings
    from django.test import Client

    liaison, consultation, template = setting
    client = Client()
    client.force_login(liaison)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900}, locale="ja-JP")
    context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "url": site.url, "value": client.cookies[settings.SESSION_COOKIE_NAME].value},
        {"name": settings.LANGUAGE_COOKIE_NAME, "url": site.url, "value": "ja"},
    ])  # fmt: skip
    page = context.new_page()
    page.goto(f"{site.url}/consultations/{consultation.pk}/")
    page.get_by_label("返信テンプレート").select_option(label="受付のお知らせ")
    page.get_by_role("button", name="テンプレートを挿入").click()
    page.wait_for_url(f"**/consultations/{consultation.pk}/?template={template.pk}*")
    assert page.get_by_label("返信の内容").input_value().startswith("松本市 ご担当者様")
    page.get_by_role("button", name="返信を送信する").click()
    page.wait_for_url(f"**/consultations/{consultation.pk}/")
    assert ReplyTemplate.objects.get(pk=template.pk).use_count == 1
    context.close()


def test_the_management_pages_are_accessible(open_as, setting):
    liaison, _consultation, template = setting
    page = open_as(liaison, "/reply-templates/")
    assert page.get_by_role("link", name="「受付のお知らせ」を編集").is_visible()
    check_page(page, "reply-templates")
    page.get_by_role("link", name="テンプレートを作る").click()
    page.get_by_role("button", name="保存する").click()  # nothing filled in: the errors
    assert page.locator(".error-summary").is_visible()
    check_page(page, "reply-templates-new-error")
    page.get_by_label("名前").fill("お礼")
    page.get_by_label("本文").fill("{担当者}です。ありがとうございました。")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url("**/reply-templates/")
    assert ReplyTemplate.objects.filter(name="お礼", office__slug="maff-rab-kanto").exists()
    page.goto(page.url.split("/reply-templates/")[0] + f"/reply-templates/{template.pk}/edit/")
    check_page(page, "reply-templates-edit")
