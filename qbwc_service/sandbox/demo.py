"""The one-command demo: a fake Magento store, the service, a scheduler pulling from the
store, and a simulated Web Connector posting to a simulated QuickBooks company.

Everything lives in one data folder. Run again on the same folder, it resumes: the
store is regenerated from the recorded seed (byte for byte the same), and the queue,
the request log and the simulated company file are where they were left.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from magento_client.client import MagentoClient
from magento_client.fake import FakeMagento, FakeStore
from qbwc_service.context import AppContext
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from qbwc_service.sandbox.quickbooks.lists import create_list
from qbwc_service.sandbox.quickbooks.retxml import element
from qbwc_service.sandbox.webconnector import WebConnector
from qbwc_service.services import companies, magento, users
from qbwc_service.services.users import AccountKind
from qbwc_service.settings import Settings, load_settings

__all__ = ["COMPANY", "Demo", "DemoFacts"]

log = logging.getLogger(__name__)

COMPANY = "Demo Company"
WC_USER = "demo"
ACTOR = "demo"  # who the audit trail names for what the demo sets up
CONSOLE_USER = "admin"
TAX_AGENCY = "State Board of Equalization"  # the vendor the demo's sales tax is owed to


def _merchant_setup(company_db: Path) -> None:
    """What the merchant keeps in QuickBooks before the first sync: the vendor the collected
    sales tax is owed to (``tax.agency``), so the sales tax items the service creates owe it."""
    simulator = QuickBooksSimulator(company_db, release="enterprise-2023")
    try:
        with simulator.store.transaction():
            if simulator.store.find_list(("Vendor",), TAX_AGENCY) is None:
                create_list(simulator.company, "Vendor",
                            element("Seed", children=[element("Name", TAX_AGENCY)]))
    finally:
        simulator.close()


@dataclass(frozen=True)
class DemoFacts:
    """What ``demo.json`` records for scripts and for the next run on the same folder."""

    url: str
    company: str
    username: str
    password: str
    console_username: str
    magento_url: str
    magento_port: int
    config: str
    qwc: str
    company_db: str
    orders: int
    seed: int


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid TOML basic string


class Demo:
    """Prepare the data folder, then run every part until :meth:`stop`."""

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int = 8000,
                 orders: int = 300, seed: int = 7, password: str | None = None,
                 web_connector: bool = True, poll_seconds: float = 60.0,
                 pull_minutes: int = 1) -> None:
        self.data_dir = data_dir.resolve()
        self.host = host
        self.port = port
        self.orders = orders
        self.seed = seed
        self.password = password
        self.web_connector = web_connector
        self.poll_seconds = poll_seconds
        self.pull_minutes = pull_minutes
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.fake: FakeMagento | None = None
        self.server: Any = None  # a ServerThread once started
        self.scheduler: Any = None
        self.ctx: AppContext | None = None
        self.facts: DemoFacts | None = None

    # -- preparation --------------------------------------------------------------
    def _previous(self) -> dict[str, Any]:
        path = self.data_dir / "demo.json"
        if path.is_file():
            return dict(json.loads(path.read_text(encoding="utf-8")))
        return {}

    def _write_config(self, magento_url: str, store: FakeStore) -> Path:
        credentials = store.credentials.as_dict()
        lines = [
            "# Written by `qbwc-service demo`: the service, and one company pulling from the",
            "# demo's fake Magento store. Every other command accepts it with --config.",
            "[service]",
            f"host = {_toml_string(self.host)}",
            f"port = {self.port}",
            f"public_url = {_toml_string(f'http://localhost:{self.port}')}",
            'data_dir = "."',
            "",
            f'[companies."{COMPANY}".magento]',
            f"base_url = {_toml_string(magento_url)}",
            *(f"{key} = {_toml_string(value)}" for key, value in credentials.items()),
            "",
            f'[companies."{COMPANY}".mapping.tax]',
            f"agency = {_toml_string(TAX_AGENCY)}",
            f'[companies."{COMPANY}".mapping.schedule.orders]',
            f"every_minutes = {self.pull_minutes}",
            f'[companies."{COMPANY}".mapping.schedule.products]',
            "every_minutes = 60",
            f'[companies."{COMPANY}".mapping.schedule.inventory]',
            "every_minutes = 30",
            "",
        ]
        path = self.data_dir / "config.toml"
        path.write_text("\n".join(lines), encoding="utf-8")
        path.chmod(0o600)  # it holds the store's credentials
        return path

    def prepare(self) -> DemoFacts:
        """Create or resume the data folder, start the fake store, write config and facts."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        previous = self._previous()
        self.orders = int(previous.get("orders", self.orders))
        self.seed = int(previous.get("seed", self.seed))
        password = self.password or previous.get("password") or secrets.token_urlsafe(12)
        store = FakeStore.generate(orders=self.orders, seed=self.seed)
        self.fake = FakeMagento(store)
        try:
            magento_url = self.fake.start(self.host, int(previous.get("magento_port", 0)))
        except OSError:
            magento_url = self.fake.start(self.host, 0)
        config_path = self._write_config(magento_url, store)
        settings = load_settings(config_path, environ={})
        self.ctx = AppContext(settings)
        company_db = self.data_dir / "quickbooks.sqlite3"
        _merchant_setup(company_db)
        # The same use cases as `company add`, `user add`/`password` and `web-user add`.
        with self.ctx.db.session() as session:
            if not companies.company_exists(session, COMPANY):
                companies.add_company(session, settings, COMPANY, qbxml_version="13.0",
                                      every_minutes=1, actor=ACTOR)
            if users.account_exists(session, AccountKind.QBWC, WC_USER):
                users.change_password(session, AccountKind.QBWC, WC_USER, password, actor=ACTOR)
            else:
                users.add_qbwc_user(session, COMPANY, WC_USER, password, actor=ACTOR)
            if users.account_exists(session, AccountKind.WEB, CONSOLE_USER):
                users.change_password(session, AccountKind.WEB, CONSOLE_USER, password,
                                      actor=ACTOR)
            else:
                users.add_web_user(session, CONSOLE_USER, password, "admin", actor=ACTOR)
            qwc_text = companies.qwc_for(session, settings, COMPANY, username=WC_USER).document
            self._owner_id, self._file_id = companies.web_connector_ids(session, COMPANY)
        qwc_path = self.data_dir / "demo.qwc"
        qwc_path.write_text(qwc_text, encoding="utf-8")
        self.facts = DemoFacts(
            url=settings.base_url, company=COMPANY, username=WC_USER, password=password,
            console_username=CONSOLE_USER, magento_url=magento_url,
            magento_port=int(magento_url.rsplit(":", 1)[1]), config=str(config_path),
            qwc=str(qwc_path), company_db=str(company_db), orders=self.orders, seed=self.seed,
        )
        facts_path = self.data_dir / "demo.json"
        facts_path.write_text(json.dumps(asdict(self.facts), indent=2) + "\n", encoding="utf-8")
        facts_path.chmod(0o600)
        return self.facts

    # -- running ------------------------------------------------------------------
    def client_factory(self, company_name: str) -> MagentoClient:
        """The company's client from the config written above, like ``serve`` builds it."""
        assert self.ctx is not None
        client: MagentoClient = magento.magento_client(self.ctx, company_name)
        return client

    def start(self, progress: Any = None) -> None:
        """Serve, schedule pulls and (unless disabled) poll with the simulated Web Connector.

        ``progress`` hears the first pull (and the scheduled ones) as they go.
        """
        from qbwc_service.sandbox.books_page import books_blueprint
        from qbwc_service.services import serving

        assert self.ctx is not None and self.facts is not None
        settings: Settings = replace(self.ctx.settings, host=self.host, port=self.port)
        self.ctx = AppContext(settings, _database=self.ctx.db)
        pages = [books_blueprint(Path(self.facts.company_db))]
        self.server = serving.serve_in_thread(self.ctx, extra_pages=pages)
        # A first pull right away, so the queue fills before the first poll.
        serving.pull_now(self.ctx, COMPANY, "orders", self.client_factory, progress=progress)
        self.scheduler = serving.build_jobs(self.ctx, self.client_factory, progress=progress)
        self.scheduler.start()
        if self.web_connector:
            thread = threading.Thread(target=self._poll, name="web-connector", daemon=True)
            thread.start()
            self._threads.append(thread)

    def web_connector_client(self) -> WebConnector:
        assert self.facts is not None
        simulator = QuickBooksSimulator(Path(self.facts.company_db), release="enterprise-2023")
        return WebConnector(
            f"http://localhost:{self.port}/qbwc", self.facts.username, self.facts.password,
            simulator, owner_id=self._owner_id, file_id=self._file_id, noop_pause_seconds=1.0,
        )

    def _poll(self) -> None:
        connector = self.web_connector_client()
        while not self._stop.is_set():
            try:
                summary = connector.run_session()
                log.info("simulated Web Connector run: %s", summary.outcome)
            except Exception:
                log.exception("simulated Web Connector run failed")
            self._stop.wait(self.poll_seconds)

    def wait(self) -> None:
        while not self._stop.wait(1.0):
            pass

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        if self.server is not None:
            self.server.stop()
        if self.fake is not None:
            self.fake.stop()
        if self.ctx is not None:
            self.ctx.db.dispose()
