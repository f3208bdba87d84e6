"""Admin keys at rest: encrypted, round-tripping, never in clear; the key file is 0600."""

from __future__ import annotations

import stat

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.models import Credential
from usage_tracker.services.orgs.credentials import (
    CredentialError,
    add_organization,
    connection_for,
    key_file,
    list_connections,
    remove_credential,
    syncable_organizations,
)
from usage_tracker.settings import Settings

KEY = "sk-admin-" + "Zq7" * 16 + "wxyz"


def test_a_stored_key_round_trips_and_is_never_in_clear(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with session_factory.begin() as session:
        add_organization(session, settings, "acme", KEY, name="Acme", base_url="http://x/v1")
    with session_factory() as session:
        row = session.scalars(select(Credential)).one()
        conn = connection_for(session, settings, "acme")
        listed = list_connections(session, settings)
    assert KEY not in row.key_ciphertext and KEY[9:] not in row.key_ciphertext
    assert row.key_hint == "sk-admin-…wxyz"
    assert conn.api_key == KEY and conn.base_url == "http://x/v1" and conn.source == "stored"
    assert KEY not in repr(conn) and KEY not in repr(listed)
    path = key_file(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert KEY.encode() not in path.read_bytes()


def test_a_secret_key_derives_the_cipher_and_a_changed_one_is_a_clear_error(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with_secret = settings.model_copy(update={"secret_key": SecretStr("correct horse battery")})
    with session_factory.begin() as session:
        add_organization(session, with_secret, "acme", KEY)
    assert not key_file(settings).exists()
    with session_factory() as session:
        assert connection_for(session, with_secret, "acme").api_key == KEY
        other = settings.model_copy(update={"secret_key": SecretStr("another secret")})
        with pytest.raises(CredentialError, match="cannot be decrypted"):
            connection_for(session, other, "acme")


def test_the_environment_key_serves_the_default_org_without_adding_it(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    env = settings.model_copy(
        update={"openai_admin_key": SecretStr(KEY), "openai_base_url": "http://fake/v1"}
    )
    with session_factory() as session:
        conn = connection_for(session, env, "default")
        assert (conn.source, conn.base_url) == ("environment", "http://fake/v1")
        assert syncable_organizations(session, env) == ["default"]
        with pytest.raises(CredentialError, match="orgs add acme"):
            connection_for(session, env, "acme")
        assert syncable_organizations(session, settings) == []


def test_removing_a_key_keeps_the_organization(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with session_factory.begin() as session:
        add_organization(session, settings, "acme", KEY)
    with session_factory.begin() as session:
        assert remove_credential(session, "acme") is True
        assert remove_credential(session, "acme") is False
    with session_factory() as session:
        assert [c.slug for c in list_connections(session, settings)] == ["acme"]
        with pytest.raises(CredentialError):
            connection_for(session, settings, "acme")
