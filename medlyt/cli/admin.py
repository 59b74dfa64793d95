"""Deletion and the audit log: `medlyt withdraw`, `purge`, `retention` and `audit`."""

import sys
from pathlib import Path

from feedback.labels import count
from meetings import audit
from meetings.db.engine import nothing_stored_yet
from meetings.store import Store
from medlyt.cli.common import EXIT_AUDIT_BROKEN, AuditLogBroken, UsageError, cli_user


def cmd_withdraw(args, home: Path) -> None:
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("Sletning skal bekræftes: tilføj --yes")
        answer = input(f"Slet mødet {args.meeting} med al lyd og tekst for altid? Skriv 'ja': ")
        if answer.strip().lower() != "ja":
            print("Intet slettet.")
            return
    with Store(home) as store:
        store.get_meeting(args.meeting)
        store.withdraw(args.meeting, by=cli_user())
    print(f"Mødet {args.meeting} er slettet: lyd, transskription og alt afledt. Kun en indholdsløs logpost er tilbage.")


def cmd_purge(args, home: Path) -> None:
    """What the start of every command does anyway, on demand, with a report (or a preview)."""
    with Store(home) as store:
        due = store.due_for_deletion()
        if args.dry_run:
            print(f"{len(due)} møde(r) er forfaldne til sletning" + (": " + ", ".join(due) if due else "."))
            return
        purged = store.purge(by=cli_user())
    print(f"Slettet efter opbevaringstiden: {len(purged)} møde(r)" + (": " + ", ".join(purged) if purged else "."))


def cmd_retention(args, home: Path) -> None:
    with Store(home) as store:
        if args.retention_command == "set":
            store.set_retention_days(args.days, by=cli_user())
            print(f"Nye møder gemmes i {args.days} dage. Møder, der allerede findes, beholder deres slettedato.")
        elif args.retention_command == "extend":
            meeting = store.extend_retention(args.meeting, args.until, args.reason, by=cli_user())
            print(f"Mødet {meeting.id} slettes nu {meeting.delete_after}.")
        else:
            print(f"Opbevaringstid for nye møder: {store.retention_days()} dage.")
            for meeting in store.list_meetings():
                print(f"{meeting.id}  slettes {meeting.delete_after}  {meeting.title}")
            store.log(audit.VIEWED, None, cli_user(), "command=retention_show")


def purge_due(home: Path) -> None:
    """Meetings whose retention period has run out are deleted at the start of every command."""
    if nothing_stored_yet(home):
        return
    with Store(home) as store:
        purged = store.purge()
    if purged:
        print(f"Slettet efter opbevaringstiden: {len(purged)} møde(r) ({', '.join(purged)}).", file=sys.stderr)


def cmd_audit(args, home: Path) -> None:
    """List the audit log, or check its hash chain. Reading the log is itself an admin act on
    what it records, so it is logged too (after the reading: the listing never shows itself)."""
    if args.verify and args.meeting:
        raise UsageError("--verify kontrollerer altid hele loggen (kæden hænger sammen på tværs af møder); "
                         "udelad --meeting.")
    with Store(home) as store:
        records = store.audit_records(args.meeting)
        if args.verify:
            problems = store.verify_audit()
            print_verification(records, problems)
            store.log(audit.AUDIT_VERIFIED, None, cli_user(), f"entries={len(records)} problems={len(problems)}")
            if problems:
                raise AuditLogBroken(f"Revisionsloggen er ikke intakt: {count(len(problems), 'problem', 'problemer')} blandt "
                                     f"{count(len(records), 'post', 'poster')} (se ovenfor).")
            return
        if args.meeting and not records:
            raise UsageError(f"Revisionsloggen har ingen poster for mødet '{args.meeting}'.")
        store.log(audit.AUDIT_VIEWED, args.meeting, cli_user(), f"entries={len(records)}")
    if not records:
        print("Revisionsloggen er tom.")
    for record in records:
        print(audit_line(record))


def audit_line(record) -> str:
    """One entry: id, time (UTC), who, what, which meeting, detail (codes only)."""
    at = record.at.replace("T", " ").removesuffix("+00:00")
    return (f"{record.id:>6}  {at}  {record.user or '-':<16}  {record.action:<24}  {record.meeting_id or '-':<12}"
            f"  {record.detail}").rstrip()


def print_verification(records, problems) -> None:
    """One Danish line per problem, or the all-clear."""
    for problem in problems:
        print(problem)
    if not problems:
        print(f"Revisionsloggen er intakt: {count(len(records), 'post', 'poster')}.")


def configure(commands) -> None:
    withdraw = commands.add_parser("withdraw", help="slet et møde helt: lyd, tekst og alt afledt")
    withdraw.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    withdraw.add_argument("--yes", action="store_true", help="bekræft sletningen uden at spørge")
    withdraw.set_defaults(handler=cmd_withdraw)

    purge = commands.add_parser("purge", help="slet de møder, hvis opbevaringstid er udløbet (sker også ved hver start)")
    purge.add_argument("--dry-run", action="store_true", help="vis kun, hvilke møder der er forfaldne")
    purge.set_defaults(handler=cmd_purge)

    keep = commands.add_parser("retention", help="opbevaringstid: vis, sæt for organisationen, forlæng ét møde")
    keep_commands = keep.add_subparsers(dest="retention_command", metavar="HANDLING")
    keep_commands.add_parser("show", help="vis opbevaringstiden og hvert mødes slettedato (standard)")
    keep_set = keep_commands.add_parser("set", help="antal dage, nye møder gemmes (standard 30)")
    keep_set.add_argument("days", type=int, metavar="DAGE")
    keep_extend = keep_commands.add_parser("extend", help="gem ét møde længere (en leders beslutning, med begrundelse)")
    keep_extend.add_argument("meeting", metavar="MØDE")
    keep_extend.add_argument("--until", required=True, metavar="ÅÅÅÅ-MM-DD", help="den nye slettedato (højst et år frem)")
    keep_extend.add_argument("--reason", required=True, metavar="TEKST",
                             help="hvorfor mødet skal gemmes længere (skriv ikke borgerens navn)")
    keep.set_defaults(handler=cmd_retention)

    audit_log = commands.add_parser("audit", help="vis revisionsloggen (hvem så, eksporterede, ændrede, delte eller "
                                                  "slettede hvad og hvornår) eller kontrollér, at den er urørt")
    audit_log.add_argument("--meeting", metavar="MØDE", help="vis kun posterne for ét møde (også et slettet)")
    audit_log.add_argument("--verify", action="store_true",
                           help="kontrollér hele loggens hashkæde: afslutter med 0, hvis den er intakt, ellers med "
                                f"{EXIT_AUDIT_BROKEN} og én linje pr. problem")
    audit_log.set_defaults(handler=cmd_audit)
