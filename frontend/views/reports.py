"""The monthly reports as printable pages for the secretariat."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path

from accounts.models import Role
from metrics.models import MonthlyReport

from .common import page_for


@page_for(Role.SECRETARIAT)
def report_list(request):
    return render(request, "frontend/reports/list.html", {"reports": MonthlyReport.objects.only("month", "created_at")})


@page_for(Role.SECRETARIAT)
def report_detail(request, year: int, month: int):
    report = MonthlyReport.objects.filter(month__year=year, month__month=month).first()
    if report is None:
        raise Http404
    return render(request, "frontend/reports/detail.html", {"report": report, "figures": report.figures})


@page_for(Role.SECRETARIAT)
def report_pdf(request, year: int, month: int):
    from metrics.pdf import report_filename, report_pdf

    report = MonthlyReport.objects.filter(month__year=year, month__month=month).first()
    if report is None:
        raise Http404
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(report)}"'
    return response


urlpatterns = [
    path("dashboard/reports/", report_list, name="monthly-reports"),
    path("dashboard/reports/<int:year>-<int:month>/", report_detail, name="monthly-report"),
    path("dashboard/reports/<int:year>-<int:month>.pdf", report_pdf, name="monthly-report-pdf"),
]
