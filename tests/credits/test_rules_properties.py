"""Properties of the engine over the shipped catalogue (hypothesis, pure, no database)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from credits import rules as R

from .catalogue_data import GROUP_CAPS, RULES

CODES = sorted(RULES)

quantities = st.decimals(min_value=0, max_value=60, places=1, allow_nan=False, allow_infinity=False)


@st.composite
def claims_for(draw, code=None):
    code = code or draw(st.sampled_from(CODES))
    rule = RULES[code]
    option = draw(st.sampled_from(sorted(rule.options))) if rule.conversion == R.BY_OPTION else ""
    return R.Claim(code, draw(quantities), option)


year_claims = st.lists(claims_for(), max_size=25)


@settings(max_examples=150, deadline=None)
@given(year_claims)
def test_credited_never_exceeds_an_item_cap_or_a_group_cap(claims):
    t = R.year_totals(claims, RULES, GROUP_CAPS)
    for code, it in t.by_item.items():
        if RULES[code].cap is not None:
            assert it.credited <= RULES[code].cap
        assert it.credited + it.over_cap == it.raw
        assert it.over_cap >= 0
    for group, cap in GROUP_CAPS.items():
        assert sum((it.credited for c, it in t.by_item.items() if RULES[c].cap_group == group), Decimal(0)) <= cap


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CODES).flatmap(lambda c: st.tuples(claims_for(c), st.lists(quantities, min_size=1, max_size=6))))
def test_splitting_an_activity_never_yields_more_credit(case):
    """One activity registered as several entries: standalone values add up to no more than the
    single entry, and the year total is the same (quantities pool)."""
    whole, parts = case
    rule = RULES[whole.code]
    # Scale the parts so that they sum exactly to the whole quantity (one decimal place).
    tenths = int(whole.quantity * 10)
    weights = [int(p * 10) + 1 for p in parts]
    cuts = [tenths * w // sum(weights) for w in weights]
    cuts[-1] += tenths - sum(cuts)
    pieces = [R.Claim(whole.code, Decimal(c) / 10, whole.option) for c in cuts]
    assert sum(p.quantity for p in pieces) == whole.quantity
    split_sum = sum((R.entry_credits(rule, p.quantity, p.option) for p in pieces), Decimal(0))
    assert split_sum <= R.entry_credits(rule, whole.quantity, whole.option)
    assert R.year_totals(pieces, RULES, GROUP_CAPS).total <= R.year_totals([whole], RULES, GROUP_CAPS).total


@settings(max_examples=150, deadline=None)
@given(year_claims, claims_for())
def test_adding_an_entry_never_lowers_a_total(claims, extra):
    before = R.year_totals(claims, RULES, GROUP_CAPS)
    after = R.year_totals([*claims, extra], RULES, GROUP_CAPS)
    assert after.total >= before.total
    assert after.regulated >= before.regulated
    assert after.flexible >= before.flexible
    for kind in R.KINDS:
        assert after.by_kind[kind] >= before.by_kind[kind]
    for code, it in before.by_item.items():
        assert after.by_item[code].raw >= it.raw


@settings(max_examples=100, deadline=None)
@given(year_claims)
def test_totals_add_up_and_keep_one_decimal_place(claims):
    t = R.year_totals(claims, RULES, GROUP_CAPS)
    assert t.total == t.regulated + t.flexible == sum(t.by_kind.values())
    assert t.total == sum((it.credited for it in t.by_item.values()), Decimal(0))
    for value in (t.total, t.regulated, t.flexible, t.raw_total):
        assert value == value.quantize(Decimal("0.1"))


@settings(max_examples=100, deadline=None)
@given(year_claims)
def test_order_of_entries_does_not_matter(claims):
    assert R.year_totals(claims, RULES, GROUP_CAPS) == R.year_totals(list(reversed(claims)), RULES, GROUP_CAPS)
