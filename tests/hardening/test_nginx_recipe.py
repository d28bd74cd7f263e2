"""Finding 8: the shipped nginx rules could be bypassed and failed `nginx -t` on Debian 12.

The shipped site file runs as it is (only its certificate paths, listen address and
upstream rewritten for the test) in a real nginx in front of the real service; the
bypasses of the finding are refused and the Web Connector endpoint still answers.
Needs the `nginx` and `openssl` programs (Debian: apt-get install nginx-light).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .conftest import LiveService
from .envelopes import envelope, headers

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"



@pytest.fixture(autouse=True)
def _nginx_and_openssl() -> None:
    """`make test` installs them (.ci/test-packages): their absence is a broken set-up."""
    if not Path(NGINX).exists() or shutil.which("openssl") is None:
        pytest.fail("nginx and openssl are needed to run the shipped recipe: "
                    "apt-get install nginx-light openssl (make test does it as root)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _site(folder: Path, upstream: str, port: int, *, outsider: bool = False) -> Path:
    """The shipped site with test certificates, a test port and the test upstream;
    ``outsider``: the monitoring host is another machine, so this test client is not."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(folder / "key.pem"),
         "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    site = (DEPLOY / "nginx-qbwc.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/qb.example.com/fullchain.pem", str(folder / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/qb.example.com/privkey.pem", str(folder / "key.pem"))
    site = site.replace("server 127.0.0.1:8000;", f"server {upstream};")
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    site = site.replace("listen [::]:443 ssl;", "")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{_free_port()};")
    site = site.replace("listen [::]:80;", "")
    if outsider:
        site = site.replace("allow 127.0.0.1;", "allow 192.0.2.10;").replace("allow ::1;", "")
    path = folder / "nginx.conf"
    path.write_text(
        f"worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{\naccess_log off;\nclient_body_temp_path {folder}/body;\n"
        f"proxy_temp_path {folder}/proxy;\n{site}\n}}\n")
    return path


def test_the_shipped_recipe_passes_nginx_t(tmp_path: Path) -> None:
    config = _site(tmp_path, "127.0.0.1:9", _free_port())
    checked = subprocess.run([NGINX, "-t", "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr and "[emerg]" not in checked.stderr


@pytest.fixture()
def proxied(live: LiveService, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    config = _site(tmp_path, live.url.removeprefix("http://"), port, outsider=True)
    nginx = subprocess.Popen([NGINX, "-c", str(config), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"https://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(url + "/login", verify=False, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@pytest.mark.parametrize("path", ["/metrics", "/metrics/", "/metrics//", "//metrics",
                                  "/%6detrics", "/metrics%2F", "/metrics?x=1", "/healthz",
                                  "/healthz/", "/healthz//", "/./healthz"])
def test_metrics_and_health_are_refused_to_outsiders_through_nginx(
        proxied: str, path: str, live: LiveService) -> None:
    session = requests.Session()
    request = requests.Request("GET", proxied + "/").prepare()
    request.url = proxied + path  # sent as written, not normalised by the client
    reply = session.send(request, verify=False, timeout=10)
    assert reply.status_code == 403, (path, reply.status_code, reply.text[:200])
    assert "qbwc_" not in reply.text
    live.assert_still_serving()


def test_the_service_answers_only_the_exact_paths(live: LiveService) -> None:
    for path in ("/metrics/", "/metrics//", "/healthz/", "/healthz//", "/qbwc/", "/qbwc//x"):
        assert requests.get(live.url + path, timeout=10).status_code == 404, path
    assert requests.get(live.url + "/healthz", timeout=10).status_code == 200
    reply = requests.post(live.url + "/qbwc", data=envelope("serverVersion", {}),
                          headers=headers("serverVersion"), timeout=10)
    assert reply.status_code == 200


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_the_web_connector_still_gets_through(proxied: str) -> None:
    reply = requests.post(proxied + "/qbwc", data=envelope("serverVersion", {}),
                          headers=headers("serverVersion"), verify=False, timeout=10)
    assert reply.status_code == 200 and "qbwc-service" in reply.text
