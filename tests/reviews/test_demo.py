"""setup_site --demo: a year of entries in various states, created once."""

from django.core.management import call_command

from credits.models import CreditEntry
from reviews.demo import seed_demo_entries
from reviews.models import EntryTransition


def test_demo_seed_is_believable_and_idempotent(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("setup_site", "--demo", verbosity=0)
    count = CreditEntry.objects.count()
    states = set(CreditEntry.objects.values_list("status", flat=True))
    assert {"confirmed", "district_reviewed"} <= states
    assert count >= 15
    assert not CreditEntry.objects.filter(transitions__isnull=True).exists()
    transitions = EntryTransition.objects.count()
    assert seed_demo_entries() == 0
    assert (CreditEntry.objects.count(), EntryTransition.objects.count()) == (count, transitions)
