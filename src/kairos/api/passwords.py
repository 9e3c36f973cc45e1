"""Passwords: argon2id hashes (memory-hard), checked in constant time, rules for new ones."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults are the RFC 9106 "low memory" profile of argon2id (64 MiB, 3 passes).
_hasher = PasswordHasher()
MIN_LENGTH = 10
MAX_LENGTH = 1024
# Checked when the email matches no account, so a wrong email costs as long as a wrong password
# and the timing does not tell which accounts exist.
_DUMMY_HASH = _hasher.hash("kairos: no such account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    return None


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
