"""RefNumbers, item names and customer names within QuickBooks' limits, deterministically."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qbwc_service.sync.names import customer_name, item_name, ref_number


def test_short_increment_id_is_its_own_ref_number() -> None:
    """Increment ids of up to 11 characters are used unchanged."""
    assert ref_number("000000003") == "000000003"
    assert ref_number("000000003-1") == "000000003-1"


def test_long_increment_id_gets_a_deterministic_short_form() -> None:
    """A 13-character id is shortened to 11, the same way every time, keeping its tail."""
    short = ref_number("1000000066100")
    assert len(short) == 11
    assert short == ref_number("1000000066100")
    assert short.startswith("066100")


def test_ref_number_collision_picks_another_short_form() -> None:
    """When the short form is taken by another document, a different free one is chosen."""
    first = ref_number("1000000066100")
    second = ref_number("1000000066100", taken=lambda ref: ref == first)
    assert second != first and len(second) == 11


def test_ref_number_taken_even_when_short_is_shortened() -> None:
    """An id that fits but is already used elsewhere still gets a unique form."""
    assert ref_number("000000003", taken=lambda ref: ref == "000000003") != "000000003"


@given(st.lists(st.text(alphabet="ABC-0123456789", min_size=12, max_size=30), min_size=2,
                max_size=30, unique=True))
def test_short_ref_numbers_never_collide_when_checked(ids: list[str]) -> None:
    """With collision checking, every document keeps a distinct RefNumber of ≤ 11 chars."""
    used: set[str] = set()
    for increment_id in ids:
        ref = ref_number(increment_id, taken=used.__contains__)
        assert len(ref) <= 11 and ref not in used
        used.add(ref)


def test_long_sku_gets_31_character_name_without_colons() -> None:
    """A 64-character SKU with ':' becomes a stable ≤ 31 name without the separator."""
    sku = "24-WG080-24-WG084-24-WG088-24-WG082-blue-24-WG086:XL-extra-long-x"
    name = item_name(sku)
    assert len(name) <= 31 and ":" not in name
    assert name == item_name(sku)
    assert item_name("MH01-S-Gray") == "MH01-S-Gray"


def test_customer_name_collision_adds_the_magento_id() -> None:
    """A second "John Smith" is named with its Magento id; names stay within 41 chars."""
    assert customer_name("John Smith", "12", lambda name: False) == "John Smith"
    assert customer_name("John Smith", "13", lambda name: name == "John Smith") == \
        "John Smith (#13)"
    long = customer_name("X" * 60, "99", lambda name: False)
    assert len(long) <= 41 and long.endswith("(#99)")


def test_names_are_latin1() -> None:
    """Latin-1 letters stay; others are transliterated the way the renderer sends them."""
    assert customer_name("Zoë Ærøskøbing", "1", lambda name: False) == "Zoë Ærøskøbing"
    assert customer_name("Łukasz", "2", lambda name: False) == "Lukasz"


def test_names_in_other_scripts_are_transliterated_not_question_marks() -> None:
    """Chinese, Korean, Cyrillic, Greek and Polish names read as a person would read them;
    Latin-1 letters are kept; the original survives as code points for a note."""
    from qbwc_service.sync.names import to_latin1, unicode_note

    assert to_latin1("陈伟") == "Chen Wei"
    assert to_latin1("김민수") == "Gim Min Su"
    assert to_latin1("Дмитрий Иванов & Sons") == "Dmitriy Ivanov & Sons"
    assert to_latin1("Ελένη") == "Eleni"
    assert to_latin1("Łódź") == "Lódz"
    assert to_latin1("Zoë Ångström") == "Zoë Ångström"
    assert unicode_note("Zoë") is None
    assert unicode_note("陈 伟") == "U+9648 U+4F1F"
