"""Pagination of the entry lists in the API: bounded counts and keyset pages.

A district's or the city's scope holds millions of entries. Page-number pagination would count
them all on every request and read ever deeper OFFSETs; here the count stops at ``COUNT_BOUND``
(``count_exact`` says whether it stopped), page numbers reach as far as the bound, and ``next``
continues past it with a keyset cursor (``after=<started_on>_<id>`` of the last row), which reads
one page from the index on (started_on, id) however deep it is."""

from __future__ import annotations

import datetime
from collections import OrderedDict

from django.db.models import Q
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

COUNT_BOUND = 10000


def _cursor(raw: str):
    day, _, pk = raw.partition("_")
    try:
        return datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        raise NotFound("无效的翻页位置（after）。") from None


class EntryPagination(PageNumberPagination):
    """Newest first (-started_on, -id), as ``EntryViewSet`` orders; see the module's note."""

    cursor_query_param = "after"
    count_bound = COUNT_BOUND

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        raw_after = request.query_params.get(self.cursor_query_param, "")
        self.after = None
        if raw_after:
            self.after = day, pk = _cursor(raw_after[:40])
            queryset = queryset.filter(Q(started_on__lt=day) | Q(started_on=day, id__lt=pk))
            self.number = None
        else:
            raw = request.query_params.get(self.page_query_param, "1")
            if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= self.count_bound // size + 1):
                raise NotFound("无效页面。超出范围时请使用 next 链接（after=…）继续。")
            self.number = int(raw)
        bounded = queryset.order_by().values("pk")[: self.count_bound + 1].count()
        self.count_exact = bounded <= self.count_bound
        self.count = min(bounded, self.count_bound)
        offset = (self.number - 1) * size if self.number else 0
        if self.number and self.number > 1 and offset >= bounded:
            raise NotFound("无效页面。")
        rows = list(queryset[offset: offset + size + 1])
        self.has_next = len(rows) > size
        self.rows = rows[:size]
        self.page_size_used = size
        return self.rows

    def get_next_link(self):
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        if self.number and self.number * self.page_size_used < self.count_bound:
            return replace_query_param(url, self.page_query_param, self.number + 1)
        last = self.rows[-1]
        url = remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, f"{last.started_on.isoformat()}_{last.pk}")

    def get_previous_link(self):
        if not self.number or self.number == 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        return Response(OrderedDict([
            ("count", self.count), ("count_exact", self.count_exact),
            ("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data),
        ]))

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count"]["description"] = f"条数；超过 {COUNT_BOUND} 时只计到 {COUNT_BOUND}（见 count_exact）"
        out["properties"]["count_exact"] = {"type": "boolean", "description": "count 是否为准确条数"}
        out["properties"]["next"]["description"] = "下一页；超出页码范围后为 after=… 的游标链接"
        return out

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        params.append({"name": self.cursor_query_param, "required": False, "in": "query",
                       "description": "翻页游标：上一页最后一条的 开始日期_编号（由 next 链接给出）",
                       "schema": {"type": "string"}})
        return params
