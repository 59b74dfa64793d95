"""`medlyt user`: the dashboard's users, their roles and passwords."""

import sys
from pathlib import Path

from feedback.labels import day
from meetings.records import USER_ROLE_LABELS, USER_ROLES
from meetings.store import Store
from medlyt.cli.common import UsageError, cli_user


def read_password(args) -> str:
    """From standard input with --password-stdin (for scripts), else asked for twice."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise UsageError("Angiv adgangskoden med --password-stdin, når der ikke er en terminal.")
    import getpass

    first = getpass.getpass("Adgangskode: ")
    if getpass.getpass("Gentag adgangskoden: ") != first:
        raise UsageError("Adgangskoderne er ikke ens.")
    return first


def cmd_user(args, home: Path) -> None:
    with Store(home) as store:
        if args.user_command == "add":
            user = store.add_user(args.name, args.role, read_password(args), by=cli_user())
            print(f"Bruger oprettet: {user.name} ({USER_ROLE_LABELS[user.role]}).")
        elif args.user_command == "remove":
            store.remove_user(args.name, by=cli_user())
            print(f"Brugeren {args.name} er fjernet.")
        elif args.user_command == "passwd":
            store.set_password(args.name, read_password(args), by=cli_user())
            print(f"Adgangskoden for {args.name} er ændret.")
        else:
            users = store.users()
            if not users:
                print("Ingen brugere endnu. Opret en: medlyt user add NAVN --role admin")
            for user in users:
                print(f"{user.name:<20} {USER_ROLE_LABELS[user.role]:<14} oprettet {day(user.created_at)}")


def configure(commands) -> None:
    user = commands.add_parser("user", help="dashboardets brugere: add, remove, passwd, list")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="HANDLING")
    user_add = user_commands.add_parser("add", help="opret en bruger med en rolle")
    user_add.add_argument("name", metavar="NAVN")
    user_add.add_argument("--role", required=True, choices=USER_ROLES,
                          help="observatør ser de møder, hun har optaget; sagsbehandler sine egne; leder dem, der er "
                               "delt med lederen; admin alle")
    user_remove = user_commands.add_parser("remove", help="fjern en bruger")
    user_remove.add_argument("name", metavar="NAVN")
    user_passwd = user_commands.add_parser("passwd", help="skift en brugers adgangskode")
    user_passwd.add_argument("name", metavar="NAVN")
    for command in (user_add, user_passwd):
        command.add_argument("--password-stdin", action="store_true", help="læs adgangskoden fra standard input")
    user_commands.add_parser("list", help="vis brugerne og deres roller")
    user.set_defaults(handler=cmd_user)
