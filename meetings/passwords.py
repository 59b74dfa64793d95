"""Password hashing for the dashboard's local users: Argon2id from argon2-cffi, with its
recommended parameters. Only hashes are ever stored."""

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
# zxcvbn's score (0-4): 3 means about 10^8 guesses or more, beyond the throttled login and
# costly for anyone holding the Argon2 hashes. It knows common passwords, names, dates, keyboard
# rows and repeats; these Danish words it is told about as well.
MIN_SCORE = 3
KNOWN_WORDS = ("medlyt", "jobcenter", "jobcentret", "kodeord", "password", "danmark", "sommer", "vinter",
               "forår", "efterår", "sagsbehandler", "leder", "borger")

_hasher = PasswordHasher()


@functools.cache
def _dummy() -> str:
    """Verified against when the user does not exist, so a wrong name takes as long as a wrong
    password and the login does not tell which names exist. Made when first needed: hashing it
    takes 0.1 s, which every medlyt command paid at start-up."""
    return _hasher.hash("medlyt-dummy-password")


def weakness(password: str, user_name: str) -> str | None:
    """Why a password may not be used, in one Danish line; None when it may."""
    from zxcvbn import zxcvbn  # a large word list; load it only when a password is set

    if not password.strip():
        return "Adgangskoden må ikke kun være mellemrum."
    if len(password) < MIN_LENGTH:
        return f"Adgangskoden skal have mindst {MIN_LENGTH} tegn."
    if user_name and user_name.lower() in password.lower():
        return "Adgangskoden må ikke indeholde brugernavnet."
    if zxcvbn(password, user_inputs=[user_name, *KNOWN_WORDS])["score"] < MIN_SCORE:
        return ("Adgangskoden er for let at gætte (et almindeligt ord, et navn, en dato eller et mønster "
                "som 12345678). Brug fx tre-fire tilfældige ord med bindestreg imellem.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    dummy = _dummy()  # made on the first login whatever the name, so that one tells nothing either
    try:
        return _hasher.verify(stored_hash or dummy, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
