import pytest
from django.core.management import call_command

from cop.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent():
    call_command("seed_demo", verbosity=0)
    counts = User.objects.count()
    call_command("seed_demo", verbosity=0)
    assert User.objects.count() == counts
    assert User.objects.filter(email="ada@example.org").exists()
