"""The audit log: the store's methods for reading, extending and checking it, part of
meetings.store.Store. (Not named audit.py: the core imports meetings.audit as `audit`, which a
submodule of that name would replace in the package's namespace.)
"""
from meetings import audit, audit_head
from meetings.audit import AuditEntry
from meetings.crypto import Damaged
from meetings.db.upgrade import AUDIT_KEYED_FROM
from meetings.records import now_iso
from meetings.repo import settings as setting_rows


class AuditLogMixin:
    """Who did what (codes only), read back and checked link by link."""

    def log(self, action: str, meeting_id: str | None, user: str | None, detail: str = "") -> None:
        """Write who viewed or exported what; `detail` is a code, never content."""
        with self._transaction(write=True) as conn:
            self._audit(conn, now_iso(), action, meeting_id, detail, user)

    def audit_entries(self, meeting_id: str | None = None) -> list[AuditEntry]:
        with self._transaction() as conn:
            return audit.read(conn, meeting_id)

    def audit_records(self, meeting_id: str | None = None) -> list[audit.Record]:
        """The entries with their ids and chain links, oldest first."""
        with self._transaction() as conn:
            return audit.read_records(conn, meeting_id)

    def verify_audit(self) -> list[audit.Problem]:
        """Every break in the audit log's hash chain, and any missing protection; [] if intact."""
        with self._transaction() as conn:
            sealed = setting_rows.get(conn, AUDIT_KEYED_FROM)
            try:
                keyed_from = int(self.cipher.open(sealed, AUDIT_KEYED_FROM)) if sealed is not None else None
            except (Damaged, ValueError):
                keyed_from = None
            problems = []
            if keyed_from is None:
                # Judged as keyed throughout, the strictest reading, and the setting's loss is said too.
                keyed_from = 1
                problems = [audit.Problem(None, "unprotected", "oplysningen om, hvor den nøglebaserede kæde "
                                                               "begynder, mangler eller er ændret.")]
            records = audit.read_records(conn)
            problems += audit.missing_triggers(conn) + audit.check_chain(records, audit.Keying(self._audit_key, keyed_from))
            try:
                head = audit_head.read(self.audit_head_path, self._audit_key)
            except audit_head.Tampered:
                return problems + [audit.Problem(None, "unprotected", f"kontrolpunktet {self.audit_head_path} er "
                                                                      "ændret eller lavet med en anden nøgle.")]
            return problems + audit_head.check(head, records)
