from rest_framework import serializers

from .models import CreditItem


class CreditItemSerializer(serializers.ModelSerializer):
    options = serializers.JSONField(read_only=True)

    class Meta:
        model = CreditItem
        fields = ["id", "code", "name", "category", "kind", "clause", "conversion", "rate", "unit_size",
                  "unit_label", "options", "cap", "cap_group", "evidence", "flow", "valid_from", "unconfirmed",
                  "is_active"]


class ItemTotalSerializer(serializers.Serializer):
    raw = serializers.DecimalField(max_digits=9, decimal_places=1)
    credited = serializers.DecimalField(max_digits=9, decimal_places=1)
    over_cap = serializers.DecimalField(max_digits=9, decimal_places=1)
    unconfirmed = serializers.DecimalField(max_digits=9, decimal_places=1, help_text="其中待确认数值的学分。")


class YearTotalsSerializer(serializers.Serializer):
    teacher = serializers.IntegerField()
    academic_year = serializers.IntegerField()
    regulated = serializers.DecimalField(max_digits=9, decimal_places=1)
    flexible = serializers.DecimalField(max_digits=9, decimal_places=1)
    total = serializers.DecimalField(max_digits=9, decimal_places=1)
    unconfirmed = serializers.DecimalField(
        max_digits=9, decimal_places=1,
        help_text="合计中按《办法》第14–16条预设值（待确认）折算的学分。")
    by_kind = serializers.DictField(child=serializers.DecimalField(max_digits=9, decimal_places=1))
    by_item = serializers.DictField(child=ItemTotalSerializer())
