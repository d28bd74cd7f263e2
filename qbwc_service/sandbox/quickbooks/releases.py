"""QuickBooks Desktop releases the simulator can pretend to be."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RELEASES", "Release", "get_release", "parse_version"]


def parse_version(text: str) -> tuple[int, int]:
    """``"13.0"`` → ``(13, 0)``; raises ``ValueError`` on anything else."""
    major, _, minor = text.strip().partition(".")
    return int(major), int(minor or "0")


@dataclass(frozen=True)
class Release:
    """One product as it shows in HostRet, and the qbXML versions it accepts."""

    key: str
    product_name: str
    major_version: str
    minor_version: str
    supported_versions: tuple[str, ...]

    @property
    def max_version(self) -> tuple[int, int]:
        return parse_version(self.supported_versions[-1])

    @property
    def max_version_text(self) -> str:
        return self.supported_versions[-1]


# SDK 9.0 was never released, yet QuickBooks lists 9.0 among its supported versions.
_UP_TO_13 = ("1.0", "1.1", "2.0", "2.1", "3.0", "4.0", "4.1", "5.0", "6.0", "7.0", "8.0",
             "9.0", "10.0", "11.0", "12.0", "13.0")

RELEASES: dict[str, Release] = {
    "enterprise-2014": Release("enterprise-2014", "QuickBooks Enterprise Solutions 14.0",
                               "24", "0", _UP_TO_13),
    "enterprise-2023": Release("enterprise-2023",
                               "QuickBooks Desktop Enterprise Solutions 23.0", "33", "0",
                               (*_UP_TO_13, "14.0", "15.0", "16.0")),
}


def get_release(key: str) -> Release:
    try:
        return RELEASES[key]
    except KeyError:
        raise ValueError(f"unknown QuickBooks release {key!r}; choose one of "
                         f"{', '.join(sorted(RELEASES))}") from None
