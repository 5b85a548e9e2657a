"""Pages of the coordinator tools and the thanks button."""

from django.urls import path

from cop.views import coordinator as views

urlpatterns = [
    path("c/<slug:slug>/invite/bulk/", views.bulk_invite, name="bulk_invite"),
    path("c/<slug:slug>/outreach/", views.outreach_list, name="outreach"),
    path(
        "c/<slug:slug>/outreach/<id:membership_id>/note/",
        views.personal_note,
        name="personal_note",
    ),
    path("c/<slug:slug>/report/", views.sponsor_report_page, name="sponsor_report"),
    path("c/<slug:slug>/report.pdf", views.sponsor_report_pdf, name="sponsor_report_pdf"),
    path("thanks/<slug:kind>/<id:pk>/", views.toggle_thanks, name="toggle_thanks"),
]
