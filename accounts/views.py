"""The token page: a person's own API tokens, and revoking one or all of them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import selectors, services


@login_required
def tokens(request):
    return render(request, "accounts/tokens.html", {"tokens": selectors.tokens_of(request.user)})


@login_required
@require_POST
def revoke(request, pk: int):
    if services.revoke_tokens(user=request.user, token_id=pk):
        messages.success(request, _("トークンを無効にしました。"))
    else:
        messages.warning(request, _("そのトークンは見つかりません（すでに無効です）。"))
    return redirect("api-tokens")


@login_required
@require_POST
def revoke_all(request):
    count = services.revoke_tokens(user=request.user)
    messages.success(
        request,
        ngettext("%(count)d件のトークンを無効にしました。", "%(count)d件のトークンを無効にしました。", count)
        % {"count": count},
    )
    return redirect("api-tokens")
