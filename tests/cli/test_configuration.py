"""One strict configuration: every mistake stops the start with one line that says how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qbwc_service.cli import main
from qbwc_service.settings import FIELD_DOCS, ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_misspelt_key_names_file_key_type_and_closest(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`prot = 80` is refused, naming the file, the key and the closest valid key with its type."""
    config = _config(tmp_path, "[service]\nprot = 80\n")
    code, output = _main(["--config", str(config), "company", "list"], capsys)
    assert code == 2
    assert output.strip() == (
        f"Error: {config}: [service] prot is not a setting; did you mean port (an integer)?")
    assert "Traceback" not in output


def test_wrong_type_in_the_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`port = "eighty"` is refused with the expected type, not a traceback."""
    config = _config(tmp_path, '[service]\nport = "eighty"\n')
    code, output = _main(["--config", str(config), "company", "list"], capsys)
    assert code == 2
    assert output.strip() == f"Error: {config}: [service] port must be an integer, not 'eighty'"


def test_wrong_type_in_the_environment_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """QBWC_SERVICE_PORT=abc is refused the same way as in the file."""
    monkeypatch.setenv("QBWC_SERVICE_PORT", "abc")
    code, output = _main(["--data-dir", str(tmp_path / "d"), "company", "list"], capsys)
    assert code == 2
    assert output.strip() == "Error: environment: QBWC_SERVICE_PORT must be an integer, not 'abc'"


def test_misspelt_environment_variable_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """QBWC_SERVICE_PROT would otherwise be ignored without a word."""
    monkeypatch.setenv("QBWC_SERVICE_PROT", "80")
    code, output = _main(["--data-dir", str(tmp_path / "d"), "company", "list"], capsys)
    assert code == 2
    assert "QBWC_SERVICE_PROT is not a setting; did you mean QBWC_SERVICE_PORT (an integer)?" in output


@pytest.mark.parametrize(("text", "message"), [
    ('[service]\nscheduler_enabled = "yes"\n', "[service] scheduler_enabled must be true or false, not 'yes'"),
    ("[service]\nport = 70000\n", "[service] port must be a port number 1-65535, not 70000"),
    ("[service]\nresponse_log_bytes = -1\n", "[service] response_log_bytes must be 0 or more, not -1"),
    ("[service]\nbatch_target_seconds = -0.5\n",
     "[service] batch_target_seconds must be 1 or more, not -0.5"),
    ("[service]\nbatch_max = 0\n", "[service] batch_max must be 1 or more, not 0"),
    ("[service]\nmax_attempts = 0\n", "[service] max_attempts must be 1 or more, not 0"),
    ('[service]\nweb_connector_version_policy = "loud"\n',
     "[service] web_connector_version_policy must be one of warn, error, ok, not 'loud'"),
    ("[servce]\nport = 80\n", "servce is not a setting; did you mean service?"),
    ('[companies.Shop.magneto]\nbase_url = "x"\n',
     '[companies."Shop"] magneto is not a setting; did you mean magento?'),
    ("port = 8001\nbatch_target_seconds = true\n", "batch_target_seconds must be a number, not True"),
])
def test_each_kind_of_mistake_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    """Booleans, ranges, choices, table names and company tables are all checked."""
    with pytest.raises(ConfigError) as caught:
        load_settings(_config(tmp_path, text), environ={})
    assert str(caught.value) == f"{tmp_path / 'config.toml'}: {message}"


def test_environment_booleans_take_a_fixed_vocabulary() -> None:
    """on/off style words work; anything else is refused instead of read as false."""
    assert load_settings(None, environ={"QBWC_SERVICE_SCHEDULER_ENABLED": "off"}).scheduler_enabled is False
    with pytest.raises(ConfigError, match="must be true or false, not 'maybe'"):
        load_settings(None, environ={"QBWC_SERVICE_SCHEDULER_ENABLED": "maybe"})


def test_variables_of_other_programs_are_left_alone() -> None:
    """The deploy recipe's gunicorn variables share the prefix and are not settings."""
    settings = load_settings(None, environ={"QBWC_SERVICE_BIND": "0.0.0.0:8000",
                                            "QBWC_SERVICE_WORKERS": "2"})
    assert settings.port == 8000


def test_valid_file_and_environment_are_typed(tmp_path: Path) -> None:
    """A correct file and environment give typed values, the environment winning."""
    config = _config(tmp_path, '[service]\nport = 8001\nbatch_target_seconds = 5\nlog_level = "DEBUG"\n'
                               '[companies."Shop".magento]\nbase_url = "http://127.0.0.1:1"\n')
    settings = load_settings(config, environ={"QBWC_SERVICE_HOST": "0.0.0.0",
                                              "QBWC_SERVICE_RETENTION_DAYS": "30"})
    assert (settings.port, settings.host, settings.retention_days) == (8001, "0.0.0.0", 30)
    assert settings.batch_target_seconds == 5.0 and settings.log_level == "DEBUG"
    assert settings.extra["companies"]["Shop"]["magento"]["base_url"] == "http://127.0.0.1:1"


def test_every_key_is_documented_in_code_and_readme() -> None:
    """Each setting has a sentence in FIELD_DOCS and a row in the README's configuration reference."""
    keys = {name for name in Settings.__dataclass_fields__ if name != "extra"}
    assert set(FIELD_DOCS) == keys
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Configuration\n")
    reference = readme[start:readme.index("\n## ", start + 1)]
    missing = [key for key in sorted(keys) if f"`{key}`" not in reference]
    assert missing == []


def test_demo_and_example_configs_pass_the_strict_check(tmp_path: Path) -> None:
    """The shipped example company file is accepted as it is."""
    example = ROOT / "deploy" / "company.example.toml"
    settings = load_settings(example, environ={})
    assert "acme" in settings.extra["companies"]


def test_cli_runner_shows_the_same_line(tmp_path: Path) -> None:
    """Through click's runner too: one line, exit 2."""
    config = _config(tmp_path, "[service]\nprot = 80\n")
    result = CliRunner().invoke(__import__("qbwc_service.cli").cli.cli,
                                ["--config", str(config), "company", "list"])
    assert result.exit_code == 2
    assert "prot is not a setting" in result.output
