"""A faithful fake Magento 2 store: seeded data, a real HTTP server, fault injection."""

from __future__ import annotations

from magento_client.fake.faults import FaultPlan, FaultSpec
from magento_client.fake.server import FakeMagento, RequestRecord
from magento_client.fake.store import Credentials, FakeStore

__all__ = ["Credentials", "FakeMagento", "FakeStore", "FaultPlan", "FaultSpec", "RequestRecord"]
