"""Password hashing for the dashboard's local users: Argon2id from argon2-cffi, with its
recommended parameters. Only hashes are ever stored."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name takes as long as a wrong
# password and the login does not tell which names exist.
_DUMMY = _hasher.hash("medlyt-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
