"""The shipped catalogue read straight from fixtures/credit_items.json, without a database."""

import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from credits.rules import rule_from_item

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "credit_items.json"


def load():
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    items = [SimpleNamespace(pk=r["pk"], **r["fields"]) for r in rows if r["model"] == "credits.credititem"]
    groups = {r["fields"]["code"]: Decimal(r["fields"]["cap"]) for r in rows if r["model"] == "credits.capgroup"}
    return items, groups


ITEMS, GROUP_CAPS = load()
RULES = {i.code: rule_from_item(i) for i in ITEMS}
