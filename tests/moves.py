"""The state moves the services make, seen from the database: every save of a model's status
field, with the status its row had before (core.machine.NEW for a row being created)."""

from contextlib import contextmanager

from django.db.models.signals import post_save, pre_save

from core.machine import NEW


@contextmanager
def recorded_moves(model, field: str = "status"):
    moves: set[tuple[str, str]] = set()
    before: dict[int, str] = {}

    def remember(sender, instance, **kwargs):
        old = sender.objects.filter(pk=instance.pk).values_list(field, flat=True).first() if instance.pk else None
        before[id(instance)] = NEW if old is None else old

    def note(sender, instance, **kwargs):
        moves.add((before.pop(id(instance), NEW), getattr(instance, field)))

    pre_save.connect(remember, sender=model, weak=False)
    post_save.connect(note, sender=model, weak=False)
    try:
        yield moves
    finally:
        pre_save.disconnect(remember, sender=model)
        post_save.disconnect(note, sender=model)


def check_walk(machine, moves) -> None:
    """Every move the services made is a pair of the table, and every pair of the table that
    changes the state was made."""
    assert moves - machine.pairs() == set(), "moves the table does not have"
    assert {(a, b) for a, b in machine.pairs() if a != b} - moves == set(), "pairs of the table never reached"
