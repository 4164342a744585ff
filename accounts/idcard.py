"""居民身份证号码 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character."""

import datetime
import unicodedata

from django.core.exceptions import ValidationError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=False)) % 11]


def validate_id_number(value: str) -> None:
    value = (value or "").strip().upper()
    # ASCII only: str.isdigit() also accepts '²' or '５', which int() reads differently or not at all.
    if (len(value) != 18 or not value.isascii() or not value[:17].isdigit()
            or not (value[17].isdigit() or value[17] == "X")):
        raise ValidationError("身份证号应为18位：前17位为数字，最后一位为数字或X。", code="id_format")
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError("身份证号中的出生日期无效。", code="id_birth") from None
    expected = check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            "身份证号校验位错误：按 GB 11643 计算，最后一位应为 %(expected)s，请核对后重新输入。",
            code="id_check_digit",
            params={"expected": expected},
        )


def normalize_id_number(value: str) -> str:
    """Full-width digits and Ｘ (as a Chinese input method types them) become ASCII, so one
    number has one spelling and the uniqueness check sees it."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def mask_id_number(value: str) -> str:
    """5101**********1234: the region prefix and the last four stay visible."""
    if not value or len(value) < 8:
        return value
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
