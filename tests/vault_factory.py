"""Test vaults: a fresh SQLCipher vault with one coordinator and cheap Argon2 parameters."""

from __future__ import annotations

from pathlib import Path

from models.keyslots import FAST_KDF
from models.vault import OpenVault, create_vault

TEST_PASSWORD = "correct horse battery"


def new_test_vault(folder: Path, *, password: str = TEST_PASSWORD) -> OpenVault:
    """Create and open a vault for "Test NGO" (prefix KG) with the user `coordinator`."""
    return create_vault(
        folder,
        organisation="Test NGO",
        case_prefix="KG",
        username="coordinator",
        display_name="Coordinator",
        password=password,
        kdf=FAST_KDF,
    )
