"""The at-rest key (issue 17): created once 0600, never silently replaced while secrets exist;
a missing, corrupted or rotated key is a message and a documented recovery (`orgs rekey`);
Slack URLs sealed and redacted; the database and data directory private."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from usage_tracker.cli.main import app
from usage_tracker.db.engine import make_engine
from usage_tracker.db.models import AlertChannel
from usage_tracker.services.orgs.credentials import (
    CredentialError,
    add_organization,
    connection_for,
    key_file,
)
from usage_tracker.services.orgs.secret_key import check_key
from usage_tracker.services.spend.channels import (
    Alert,
    add_channel,
    channel_json,
    deliver,
    seal_slack_urls,
)
from usage_tracker.settings import Settings

KEY = "sk-admin-" + "Qx9" * 16 + "abcd"
SLACK = "http://127.0.0.1:9/services/T0001/B0002/SeCrEtToKeN"
runner = CliRunner()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _store(session_factory: sessionmaker[Session], settings: Settings) -> None:
    with session_factory.begin() as session:
        add_organization(session, settings, "acme", KEY)
        add_channel(session, settings, "slack", [SLACK])


def test_the_key_file_is_created_once_0600_and_a_missing_one_is_never_replaced(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    _store(session_factory, settings)
    path = key_file(settings)
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    path.unlink()
    with session_factory() as session:
        with pytest.raises(CredentialError, match="missing") as caught:
            connection_for(session, settings, "acme")
        assert "orgs rekey" in str(caught.value) and "restore" in str(caught.value)
        with pytest.raises(CredentialError, match="missing"):
            add_organization(session, settings, "beta", KEY)  # would seal with a new key
        check = check_key(session, settings)
    assert not path.exists()  # nothing created behind the user's back
    assert check.problem is not None and len(check.unreadable) == 2


def test_a_corrupted_or_rotated_key_is_a_message_not_a_traceback(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    _store(session_factory, settings)
    path = key_file(settings)
    path.write_bytes(b"not a key at all")
    with session_factory() as session, pytest.raises(CredentialError, match="corrupted"):
        connection_for(session, settings, "acme")
    path.write_bytes(b"ZmFrZWtleWZha2VrZXlmYWtla2V5ZmFrZWtleWZha2U=")  # a valid, other key
    with session_factory() as session:
        with pytest.raises(CredentialError, match="cannot be decrypted"):
            connection_for(session, settings, "acme")
        assert "2 of 2 stored secrets" in (check_key(session, settings).problem or "")


def test_the_key_can_live_outside_the_data_directory(
    session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    elsewhere = settings.model_copy(update={"secret_key_file": tmp_path / "keys" / "ut.key"})
    with session_factory.begin() as session:
        add_organization(session, elsewhere, "acme", KEY)
    assert (tmp_path / "keys" / "ut.key").exists() and not key_file(settings).exists()
    with session_factory() as session:
        assert connection_for(session, elsewhere, "acme").api_key == KEY


def test_slack_urls_are_sealed_and_redacted_in_listings_and_delivery_errors(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    _store(session_factory, settings)
    with session_factory() as session:
        row = session.scalars(select(AlertChannel)).one()
        assert "SeCrEtToKeN" not in row.target and "SeCrEtToKeN" not in (
            row.target_ciphertext or ""
        )
        assert "SeCrEtToKeN" not in json.dumps(channel_json(row))
        delivery = deliver(row, Alert("s", "t", {}), settings)
    assert (
        not delivery.ok and "SeCrEtToKeN" not in delivery.detail and "T0001" not in delivery.detail
    )


def test_a_slack_url_stored_in_clear_by_an_older_version_is_sealed(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with session_factory.begin() as session:
        session.add(AlertChannel(kind="slack", target=SLACK))
    with session_factory.begin() as session:
        assert seal_slack_urls(session, settings) == 1
    with session_factory() as session:
        row = session.scalars(select(AlertChannel)).one()
        assert "SeCrEtToKeN" not in row.target and row.target_ciphertext


def test_a_new_sqlite_database_and_its_directory_are_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "inner" / "tracker.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.commit()
    engine.dispose()
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    assert _mode(path.parent.parent) == 0o700


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env, input=stdin)
    return result.exit_code, " ".join((result.stdout + result.stderr).split())


def test_serve_refuses_to_start_and_orgs_rekey_recovers(cli_env: dict[str, str]) -> None:
    code, out = _cli(cli_env, "orgs", "add", "acme", "--key-stdin", stdin=KEY + "\n")
    assert code == 0, out
    data = Path(cli_env["USAGE_TRACKER_DATA_DIR"])
    old = (data / "secret.key").read_bytes()
    code, out = _cli(cli_env, "orgs", "rekey")
    assert code == 0 and "Re-encrypted 1 stored secret" in out, out
    assert (data / "secret.key").read_bytes() != old and (
        data / "secret.key.old"
    ).read_bytes() == old
    assert _mode(data / "secret.key") == 0o600
    code, out = _cli(cli_env, "orgs", "list")
    assert code == 0 and "sk-admin-…abcd" in out

    (data / "secret.key").unlink()
    code, out = _cli(cli_env, "serve", "--port", "9")
    assert code == 1 and "cannot start" in out and "is missing" in out and "orgs rekey" in out
    assert "Traceback" not in out and not (data / "secret.key").exists()
    code, out = _cli(cli_env, "orgs", "rekey")
    assert code == 1 and "--forget-unreadable" in out
    code, out = _cli(cli_env, "orgs", "rekey", "--forget-unreadable")
    assert code == 0 and "Dropped the admin key of 'acme'" in out, out
    code, out = _cli(cli_env, "orgs", "add", "acme", "--key-stdin", stdin=KEY + "\n")
    assert code == 0, out


def test_rekey_to_a_new_environment_secret(
    session_factory: sessionmaker[Session], settings: Settings, cli_env: dict[str, str]
) -> None:
    env = cli_env | {"USAGE_TRACKER_SECRET_KEY": "first secret value"}
    assert _cli(env, "orgs", "add", "acme", "--key-stdin", stdin=KEY + "\n")[0] == 0
    code, out = _cli(env, "orgs", "rekey")
    assert code == 1 and "--new-secret-stdin" in out
    code, out = _cli(env, "orgs", "rekey", "--new-secret-stdin", stdin="second secret value\n")
    assert code == 0 and "set USAGE_TRACKER_SECRET_KEY" in out, out
    second = settings.model_copy(update={"secret_key": SecretStr("second secret value")})
    with session_factory() as session:
        assert connection_for(session, second, "acme").api_key == KEY
