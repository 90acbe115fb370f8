"""Shared pieces of the HTTP API: pagination and the error format."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def list_count_key(sql: str, params) -> str:
    """The shared cache's key of a list's remembered count: the same list counted by
    the API's pages and by the queue's saved views (consult.selectors.list_counts)
    is remembered once."""
    return "list-count:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()


def remembered(queryset, compute, *, empty=0):
    """``compute()``, an aggregate of ``queryset``, remembered for a short while
    (``BANSO_LIST_COUNT_CACHE_SECONDS``) under the queryset's SQL, so the same list seen by
    the same visibility shares it: counting a million rows on every page would cost more
    than the page. ``empty`` for a queryset that can match nothing."""
    seconds = getattr(settings, "BANSO_LIST_COUNT_CACHE_SECONDS", 30)
    if not seconds or not hasattr(queryset, "query"):
        return compute()
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a queryset.none(): e.g. a `q` of punctuation only, which has no terms
        return empty
    key = list_count_key(sql, params)
    cached = cache.get(key)
    if cached is None:
        cached = compute()
        cache.set(key, cached, seconds)
    return cached


class CachedCountPaginator(DjangoPaginator):
    """Counts are remembered for a short while (``remembered``); pages themselves are
    always read fresh."""

    @cached_property
    def count(self) -> int:
        if not hasattr(self.object_list, "query"):
            return super().count
        return remembered(self.object_list, self.object_list.count)


class CachedCountPagination(Pagination):
    django_paginator_class = CachedCountPaginator


def _flatten(detail, prefix=""):
    """Yield (field, message) pairs from DRF's nested error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, name)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                yield from _flatten(value, f"{prefix}[{index}]" if prefix else str(index))
            else:
                yield prefix, str(value)
    else:
        yield prefix, str(detail)


def _translate(exc):
    """Map the services' exceptions onto API errors."""
    from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
    from django.core.exceptions import ValidationError as DjangoValidationError
    from rest_framework import exceptions

    from consult.lifecycle import IllegalTransition

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, IllegalTransition):
        conflict = exceptions.APIException(str(exc))
        conflict.status_code = status.HTTP_409_CONFLICT
        conflict.current_status = exc.status
        return conflict
    return exc


def exception_handler(exc, context):
    """Errors are JSON with a ``detail`` a person can act on.

    Validation errors keep DRF's per-field shape under ``errors`` and add a
    one-line ``detail`` that names every field, so a client that shows only
    the message still tells the person which field to fix.
    """
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if response.status_code == status.HTTP_409_CONFLICT and hasattr(exc, "current_status"):
        response.data["status"] = exc.current_status
    if isinstance(exc, ValidationError) and response.status_code == status.HTTP_400_BAD_REQUEST:
        errors = response.data
        pairs = list(_flatten(errors))
        summary = "; ".join(
            f"{field}: {message}" if field and field != "non_field_errors" else message for field, message in pairs
        )
        response.data = {"detail": summary, "errors": errors}
    return response
