"""Sealing the values of SEALED_COLUMNS (meetings/db/migrations.py) as they go into and out of
the database: AES-256-GCM (meetings/crypto.py), each value bound to its field and owner, so a
sealed value copied to another row, or another column, does not open."""

from dataclasses import dataclass

from meetings.crypto import Cipher, Damaged
from meetings.errors import MeetingError


@dataclass(frozen=True)
class Sealer:
    cipher: Cipher
    where: str  # the database, for the message when a value cannot be opened

    def seal(self, field: str, owner: str, value: str | bytes | None) -> bytes | None:
        """A value of SEALED_COLUMNS ("table.column") as stored: sealed, bound to its owner."""
        if value is None:
            return None
        return self.cipher.seal(value.encode() if isinstance(value, str) else value, f"{field}:{owner}")

    def open_bytes(self, field: str, owner: str, blob: bytes | None) -> bytes | None:
        if blob is None:
            return None
        try:
            return self.cipher.open(blob, f"{field}:{owner}")
        except Damaged:
            raise MeetingError(f"Databasen {self.where} er beskadiget: en krypteret værdi ({field}) kan ikke "
                               "dekrypteres. Gendan den fra sikkerhedskopien.") from None

    def open(self, field: str, owner: str, blob: bytes | None) -> str | None:
        value = self.open_bytes(field, owner, blob)
        return None if value is None else value.decode()
