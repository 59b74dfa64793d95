"""The `medlyt` command line. Parses, calls the pipeline and the store, prints Danish.

Errors are one clear line on stderr and a non-zero exit (2 bad input, 3 consent missing or
withdrawn, 4 the audit log is not intact); a traceback only with --debug.
"""

import argparse
import os
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from capture.recorder import RecorderError
from capture.source import AudioError
from feedback.config import ConfigError
from feedback.labels import CONSENT_METHOD_LABELS, MEETING_STATUS_LABELS, count, day, day_time
from meetings.records import (
    CONSENT_METHODS,
    ROLE_LABELS,
    ROLES,
    SILENT_ROLES,
    USER_ROLE_LABELS,
    USER_ROLES,
    Consent,
    Participant,
    now_iso,
)
from meetings import audit, private
from meetings.db.engine import central, nothing_stored_yet
from meetings.redaction import redact
from meetings.store import ConsentError, MeetingError, Store
from medlyt import settings
from models.store import ModelError
from transcribe.whisper import TranscriptionError

EXIT_BAD_INPUT = 2
EXIT_CONSENT = 3
EXIT_AUDIT_BROKEN = 4  # medlyt audit --verify found a break in the hash chain
DEMO_AUDIO = Path(__file__).resolve().parents[1] / "demo" / "demo_meeting.flac"
# The web server around the Streamlit app (its login form, sound addresses, gate).
DASHBOARD_APP = Path(__file__).resolve().parents[2] / "dashboard" / "server.py"
EXPORT_FORMATS = ("json", "srt", "vtt", "txt", "rttm", "csv")
SSO_SECRETS = "secrets.toml"
DISCONNECTED_SESSION_TTL_S = 15
CONFIG_HELP = ("organisationens grænseværdier og ordlister (TOML; standard: MEDLYT_CONFIG eller config.toml "
               "i datamappen, ellers de indbyggede – se medlyt config default)")
TRANSCRIBE_FORMATS = ("txt", "json", "srt", "vtt")


class UsageError(Exception):
    """Wrong use of a command that argparse cannot see (e.g. an unknown role)."""


class AuditLogBroken(Exception):
    """medlyt audit --verify found changed, removed or reordered entries."""


# ---- small helpers -------------------------------------------------------------------------


def progress_bar(total_s: float, description: str) -> tuple[Callable[[float], None], Callable[[], None]]:
    """A tqdm bar over seconds of audio on stderr (hidden when stderr is not a terminal)."""
    from tqdm import tqdm

    bar = tqdm(total=round(total_s, 1), unit="s", desc=description, disable=None, file=sys.stderr,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}]")

    def update(seconds_done: float) -> None:
        bar.update(max(0.0, min(seconds_done, bar.total) - bar.n))

    return update, bar.close


def parse_channel_map(text: str | None) -> dict[str, int]:
    """"sagsbehandler=1,borger=2" -> {"sagsbehandler": 1, "borger": 2} (1-based channels)."""
    mapping = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        role, _, channel = item.partition("=")
        if not channel.strip().isdigit() or int(channel) < 1:
            raise UsageError(f"Kanalangivelsen '{item.strip()}' skal have formen rolle=kanal, fx borger=2")
        mapping[role.strip().lower()] = int(channel)
    return mapping


def parse_participants(text: str, consent: Consent | None, channels: dict[str, int] | None = None,
                       caseworker: str | None = None) -> list[Participant]:
    roles = [r.strip().lower() for r in text.split(",") if r.strip()]
    channels = channels or {}
    unknown = sorted(set(channels) - set(roles))
    if unknown:
        raise UsageError(f"Kanal angivet for '{unknown[0]}', som ikke er deltager i mødet.")
    if not roles:
        raise UsageError("Angiv mindst én deltager, fx --participants sagsbehandler,borger")
    for role in roles:
        if role not in ROLES:
            raise UsageError(f"Ukendt rolle '{role}'. Kendte roller: {', '.join(ROLES)}")
    if len(set(roles)) != len(roles):
        # Consent is registered per role, so each role may appear once in a meeting.
        raise UsageError("Hver rolle kan kun optræde én gang i et møde.")
    return [
        Participant(role=r, label=ROLE_LABELS[r], speaks=r not in SILENT_ROLES, consent=consent,
                    channel=channels.get(r), user=caseworker if r == "sagsbehandler" else None)
        for r in roles
    ]


def cli_user() -> str:
    """Who ran a command, for the audit log: the operating system's user."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry for the uid (some containers)
        return "cli"


def write_output(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    target = Path(output)
    partial = None
    try:
        # An export holds what a citizen said: readable by its owner only, written under a fresh
        # name (never an old .partial or a link someone left there), then moved into place.
        out, partial = private.create_beside(target)
        with out:
            out.write(text.encode("utf-8"))
        os.replace(partial, target)  # a reader never sees half an export
    except OSError as error:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise UsageError(f"Kan ikke skrive {target}: {error.strerror}") from error
    print(f"Skrevet: {target}", file=sys.stderr)


def describe_meeting(meeting) -> str:
    duration = f"{meeting.audio.duration_s:.0f} s" if meeting.audio else "ingen optagelse"
    consents = ", ".join(
        f"{p.label}: {'samtykke' if p.has_consented else 'mangler samtykke'}" for p in meeting.speaking_participants
    )
    status = MEETING_STATUS_LABELS.get(meeting.status, meeting.status)
    return f"{meeting.id}  {day_time(meeting.created_at)}  {status:<14}  {duration:>16}  {meeting.title}  ({consents})"


# ---- commands ------------------------------------------------------------------------------


def cmd_models(args, home: Path) -> None:
    from models import store as models

    if args.models_command == "install":
        if args.name != models.DEFAULT_MODEL:
            raise UsageError(f"Kun '{models.DEFAULT_MODEL}' kan installeres her. Andre modeller: medlyt models add MAPPE")
        info = models.install_base(home)
        print(f"Installeret og verificeret: {info.name} ({info.size_bytes / 1e6:.0f} MB) i {info.path}")
    elif args.models_command == "add":
        info = models.add_model(home, Path(args.path), args.name)
        print(f"Tilføjet: {info.name} ({info.size_bytes / 1e6:.0f} MB) fra {info.path}")
    elif args.models_command == "download":
        download_model(args, home)
    elif args.models_command == "convert":
        from models.convert import convert

        info = convert(home, args.source, args.name, args.quantization)
        note = "" if info.timestamps else " Den er trænet uden tidsstempler og afkodes uden dem."
        print(f"Konverteret og verificeret: {info.name} ({info.size_bytes / 1e6:.0f} MB) i {info.path}.{note}")
        print(f"Brug den med: medlyt process MØDE --model {info.name}, eller sæt MEDLYT_MODEL={info.name}")
    else:
        infos = models.verify_models(home) if args.models_command == "verify" else models.list_models(home)
        if not infos:
            print("Ingen modeller installeret. Kør: medlyt models install base")
        for info in infos:
            status = "verificeret" if info.verified else "FEJL: kør medlyt models verify / install igen"
            print(f"{info.name:<20} {info.size_bytes / 1e6:>8.0f} MB  {status:<12}  {info.path}")
        if args.models_command == "verify" and not all(i.verified for i in infos):
            raise ModelError("Mindst én model er beskadiget eller mangler filer (se ovenfor).")
        if args.models_command == "list":
            print_recommended({i.name for i in infos})


def download_model(args, home: Path) -> None:
    """The one command that may use the network: a curated model, its licence shown first."""
    from models import download

    model = download.lookup(args.name)
    if model.terms and args.accept_licence:
        print(f"Licensen for {model.name} er accepteret med --accept-licence ({model.licence_url}).")
    elif model.terms:
        print(f"Licensvilkår for {model.name}:\n{model.terms}")
        answer = input("Accepterer du vilkårene? Skriv ja: ") if sys.stdin.isatty() else ""
        if answer.strip().lower() not in ("ja", "j"):
            raise UsageError(f"{model.name} hentes kun, når licensen er accepteret. "
                             "Læs vilkårene ovenfor, og kør igen med --accept-licence")
    info, already = download.download(home, model)
    state = "allerede hentet og verificeret" if already else "hentet og verificeret"
    print(f"{info.name} er {state} ({info.size_bytes / 1e6:.0f} MB) i {info.path}")
    if model.published:
        print(f"Offentliggjort: {model.published} ({model.source})")
    print(f"Brug den med: medlyt process MØDE --model {info.name}, eller sæt MEDLYT_MODEL={info.name}")


def print_recommended(installed: set[str]) -> None:
    """base is weak on Danish: say which better models exist and how to get one."""
    from models.registry import ADD_COMMAND, CONVERT_COMMAND, DOWNLOADABLE, RECOMMENDED_DANISH

    downloadable = [m for m in DOWNLOADABLE.values() if m.name not in installed]
    if downloadable:
        print("\nKan hentes med én kommando (kræver net): medlyt models download NAVN (offentliggjorte tal)")
        for m in downloadable:
            print(f"  {m.name:<24} {m.approx_size:<11} {m.published or 'intet offentliggjort dansk tal'}")
    missing = [m for m in RECOMMENDED_DANISH if m.name not in installed and m.name not in DOWNLOADABLE]
    if not missing:
        return
    print("\nAndre danske modeller, som skal konverteres (WER på CoRals oplæste tale, forfatternes egne tal):")
    for m in missing:
        wer = f"{m.coral_wer:.1f} %" if m.coral_wer is not None else "ikke offentliggjort"
        print(f"  {m.name:<16} {m.hf_id:<40} {wer}")
    example = missing[0]
    print("Konvertér og registrér én med én kommando (kræver net; torch installeres i et eget miljø):")
    print(f"  medlyt models convert {example.hf_id} --name {example.name}")
    print("Eller konvertér på en anden maskine med net, og tilføj mappen:")
    print("  " + CONVERT_COMMAND.format(hf_id=example.hf_id, dir=f"{example.name}-ct2"))
    print("  " + ADD_COMMAND.format(dir=f"{example.name}-ct2", name=example.name))


def cmd_meeting(args, home: Path) -> None:
    with Store(home) as store:
        if args.meeting_command in ("share", "unshare"):
            change = store.share if args.meeting_command == "share" else store.unshare
            meeting = change(args.meeting, args.leader, by=cli_user())
            print(f"Mødet {meeting.id} er delt med: {', '.join(meeting.shared_with) or 'ingen'}.")
            return
        if args.meeting_command == "list":
            meetings = store.list_meetings()
            store.log(audit.VIEWED, None, cli_user(), "command=meeting-list")
            if not meetings:
                print("Ingen møder endnu. Opret et: medlyt meeting new --title T --participants sagsbehandler,borger")
            for meeting in meetings:
                print(describe_meeting(meeting))
            return
        consent = None
        if args.consent_all:
            consent = Consent(given=True, method=args.consent_method, recorded_at=now_iso())
        participants = parse_participants(args.participants, consent, parse_channel_map(args.channels),
                                          args.caseworker)
        if args.observer and store.user(args.observer) is None:
            raise UsageError(f"Der er ingen bruger '{args.observer}'. Opret den: medlyt user add {args.observer} --role observatør")
        meeting = store.create_meeting(args.title, participants, recorded_by=args.observer, by=cli_user())
        if meeting.missing_consent:
            missing = ", ".join(p.role for p in meeting.missing_consent)
            print(f"Bemærk: samtykke mangler fra {missing}. Intet optages eller importeres før det er registreret:",
                  file=sys.stderr)
            print(f"  medlyt consent {meeting.id} --participant ROLLE --given --method verbal", file=sys.stderr)
        print(meeting.id)


def cmd_consent(args, home: Path) -> None:
    with Store(home) as store:
        meeting = store.record_consent(args.meeting, args.participant, args.given, args.method, by=cli_user())
    if meeting is None:
        print(f"Samtykket er trukket tilbage. Mødet {args.meeting} og alt dets lyd og tekst er slettet.")
    else:
        print(f"Samtykke registreret for {args.participant} ({CONSENT_METHOD_LABELS.get(args.method, args.method)}).")
        if not meeting.missing_consent:
            print("Alle talende deltagere har givet samtykke.")


def cmd_import(args, home: Path) -> None:
    from capture.source import probe_duration
    from medlyt.pipeline import import_recording

    with Store(home) as store:
        store.get_meeting(args.meeting)  # a wrong id is reported before any decoding
        update, close = progress_bar(probe_duration(Path(args.file)), "Importerer")
        try:
            meeting = import_recording(store, args.meeting, Path(args.file), update, by=cli_user())
        finally:
            close()
    audio = meeting.audio
    print(f"Importeret: {audio.duration_s:.1f} s, {count(audio.channels, 'kanal', 'kanaler')}. Næste trin: medlyt process {meeting.id}")


def feedback_config(home: Path, explicit: str | None):
    """The feedback settings in force, checked before any long work starts."""
    from feedback.analysis import check_config
    from feedback.config import load_config

    config = load_config(settings.config_path(home, explicit))
    check_config(config)
    return config


def cmd_process(args, home: Path) -> None:
    from medlyt.pipeline import process_meeting

    if central(home):  # the workers do it; this machine may not even have the model
        from medlyt.cli.jobs import queue_and_follow

        if args.speakers or args.config:
            raise UsageError("--speakers og --config bruges ikke i central drift: workerne bruger mødets deltagere "
                             "og organisationens indstillinger.")
        queue_and_follow(home, args.meeting, args.model, args.wait, cli_user(), args.queue)
        return
    if args.queue:
        raise UsageError("--queue bruges i central drift (PostgreSQL); her behandles mødet med det samme.")
    config = feedback_config(home, args.config)
    with Store(home) as store:
        meeting = store.get_meeting(args.meeting)
        update, close = progress_bar(meeting.audio.duration_s if meeting.audio else 0.0, "Transskriberer")
        try:
            meeting, result = process_meeting(store, home, args.meeting, args.model, args.speakers, update, config,
                                              by=cli_user())
        finally:
            close()
        count = len(store.segments(meeting.id))
        flags = store.analysis(meeting.id).flags
    print(f"Færdig: {count} tekststykker med model '{meeting.model}', {len(flags)} markeringer.")
    for note in result.notes:
        print(f"Bemærk: {note}")
    method = {"channels": "efter mikrofonkanal", "voices": "efter stemme", "none": "ingen tale"}[result.method]
    print(f"Talere ({method}): " + ", ".join(f"{s.id} {s.label}" for s in result.speakers))
    if result.estimated and result.estimated != len(result.speakers):
        print(f"Forslag: lyden ligner {result.estimated} talere. Prøv evt. medlyt process {meeting.id} "
              f"--speakers {result.estimated}")
    print(f"Se: medlyt show {meeting.id}   Ret talere: medlyt speaker list {meeting.id}")


def processed(store: Store, meeting_id: str):
    """The meeting and its analysis; an analysis missing (a meeting processed by an older
    version) is computed now, from the stored transcript."""
    from feedback.analysis import analyser

    meeting = store.get_meeting(meeting_id)
    if meeting.status != "processed":
        raise UsageError(f"Mødet {meeting.id} er ikke transskriberet endnu. Kør: medlyt process {meeting.id}")
    return meeting, store.analysis(meeting_id) or store.reanalyse(meeting_id, analyser())


def cmd_export(args, home: Path) -> None:
    from medlyt.export import Transcript, get_writer

    with Store(home) as store:
        meeting, analysis = processed(store, args.meeting)
        transcript = Transcript.of_meeting(meeting, store.segments(meeting.id), store.speakers(meeting.id), analysis,
                                           store.speech(meeting.id))
        write_output(get_writer(args.format, unmasked=args.unmasked)(transcript), args.output)
        store.log(audit.EXPORTED, meeting.id, cli_user(),
                  f"format={args.format}" + (" unmasked=1" if args.unmasked else ""))


def cmd_show(args, home: Path) -> None:
    from medlyt.summary import render

    with Store(home) as store:
        meeting, analysis = processed(store, args.meeting)
        print(render(meeting, store.speakers(meeting.id), analysis), end="")
        store.log(audit.VIEWED, meeting.id, cli_user(), "command=show")


def cmd_analyse(args, home: Path) -> None:
    from feedback.analysis import analyser

    if bool(args.meeting) == args.all:
        raise UsageError("Angiv et møde eller --all (alle transskriberede møder).")
    if central(home):  # the workers do it, with the organisation's settings where they run
        from medlyt import tasks
        from medlyt.cli.jobs import follow

        if args.config:
            raise UsageError("--config bruges ikke i central drift: workerne bruger organisationens indstillinger.")
        with Store(home) as store:
            ids = [args.meeting] if args.meeting else [m.id for m in store.list_meetings() if m.status == "processed"]
            jobs = [tasks.queue_reanalysis(store, meeting_id, by=cli_user()) for meeting_id in ids]
            print(f"{len(jobs)} {'møde' if len(jobs) == 1 else 'møder'} i kø til ny analyse. Følg med: medlyt jobs")
            for job in jobs if args.wait else []:
                follow(store, job)
        return
    config = feedback_config(home, args.config)
    source = 'standardindstillingerne' if config.source == 'standard' else config.source
    with Store(home) as store:
        ids = [args.meeting] if args.meeting else [m.id for m in store.list_meetings() if m.status == "processed"]
        for meeting_id in ids:
            analysis = store.reanalyse(meeting_id, analyser(config), by=cli_user())
            print(f"{meeting_id}: analyseret igen med {source}: {len(analysis.flags)} markeringer. "
                  f"Se: medlyt show {meeting_id}")
    if not ids:
        print("Ingen transskriberede møder at analysere igen.")


def cmd_config(args, home: Path) -> None:
    from feedback.config import DEFAULT_PATH

    if args.config_command == "default":
        sys.stdout.write(DEFAULT_PATH.read_text(encoding="utf-8"))
        return
    config = feedback_config(home, args.file)
    print(f"Konfigurationen i {config.source} er gyldig (fingeraftryk {config.digest}).")


def cmd_speaker(args, home: Path) -> None:
    from meetings.corrections import anchor_of
    from meetings.records import Correction
    from feedback.analysis import analyser

    with Store(home) as store:
        meeting, _analysis = processed(store, args.meeting)
        segments = store.segments(args.meeting)
        fix = lambda correction: store.correct(meeting.id, correction, analyser(), by=cli_user())
        known = {s.id: s for s in store.speakers(args.meeting)}

        def anchor(speaker_id: str):
            if speaker_id not in known:
                raise UsageError(f"Mødet har ingen taler '{speaker_id}'. Talere: {', '.join(known) or 'ingen'}")
            return anchor_of(segments, speaker_id)

        if args.speaker_command == "rename":
            if args.role and args.role not in ROLES:
                raise UsageError(f"Ukendt rolle '{args.role}'. Kendte roller: {', '.join(ROLES)}")
            label = args.label or ROLE_LABELS.get(args.role, "")
            if not label:
                raise UsageError("Angiv --label eller --role.")
            fix(Correction("rename", anchor=anchor(args.speaker), label=label, role=args.role))
        elif args.speaker_command == "merge":
            if args.speaker == args.into:
                raise UsageError("En taler kan ikke lægges sammen med sig selv.")
            fix(Correction("merge", anchor=anchor(args.speaker), target=anchor(args.into)))
        elif args.speaker_command == "move":
            segment = next((s for s in segments if s.start <= args.at <= s.end), None)
            if segment is None:
                raise UsageError(f"Der er ingen tekst ved {args.at:.1f} s.")
            fix(Correction("move", start=segment.start, end=segment.end, target=anchor(args.to)))
        speakers = store.speakers(args.meeting)
        shares = store.analysis(args.meeting).balance
        if args.speaker_command == "list":
            store.log(audit.VIEWED, meeting.id, cli_user(), "command=speaker-list")
    for speaker in speakers:
        share = shares.get(speaker.id, {"share": 0.0, "talk_s": 0.0})
        print(f"{speaker.id:<4} {speaker.label:<16} {speaker.role or '–':<14} {share['talk_s']:>7.1f} s  {share['share']:>5.0%}")


def cmd_voice(args, home: Path) -> None:
    with Store(home) as store:
        if args.voice_command == "enroll":
            from medlyt.pipeline import voiceprint_of_file

            vector, speech_s = voiceprint_of_file(Path(args.file))
            store.save_voiceprint(args.user, vector, args.consent_method, by=cli_user())
            print(f"Stemmeprøve gemt for {args.user} ({speech_s:.0f} s tale). Slet den med: medlyt voice delete {args.user}")
        elif args.voice_command == "delete":
            store.delete_voiceprint(args.user, by=cli_user())
            print(f"Stemmeprøven for {args.user} er slettet.")
        else:
            users = sorted(store.voiceprints())
            print("\n".join(users) if users else "Ingen stemmeprøver.")


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


def cmd_record(args, home: Path) -> None:
    from capture.level import LevelWriter
    from capture.recorder import FileInput, MicrophoneInput
    from medlyt.recording import listen, record

    with Store(home) as store:
        from meetings.consent import require_consent

        meeting = store.get_meeting(args.meeting)
        require_consent(meeting)  # exit 3 before any device or model is opened
        if meeting.audio is not None:
            raise UsageError(f"Mødet {meeting.id} har allerede en optagelse. Opret et nyt møde til en ny optagelse.")
        if args.simulate:
            source = FileInput(Path(args.simulate))
        else:
            device = int(args.device) if args.device and args.device.isdigit() else args.device
            source = MicrophoneInput(device, args.channels)
        if args.level_only:
            if not args.level_file:
                raise UsageError("--level-only kræver --level-file.")
            listen(source, LevelWriter(Path(args.level_file), source.sample_rate), args.level_only)
            return
        live = live_transcriber(store, home, meeting, args.model, source.channels) if args.live else None
        print("Optager ... tryk Enter for et bogmærke (skriv evt. en note først); stop med Ctrl-C"
              " eller med stopknappen på dashboardets side 'Live'.", file=sys.stderr, flush=True)
        elapsed = [0.0]

        def progress(seconds: float) -> None:
            if sys.stderr.isatty() and int(seconds) != int(elapsed[0]):
                print(f"\r  {clock_text(seconds)}", end="", file=sys.stderr, flush=True)
            elapsed[0] = seconds

        def show_line(line) -> None:
            print(f"\r[{clock_text(line.start)}] {line.speaker}: {redact(line.text)}", flush=True)

        if sys.stdin.isatty():
            threading.Thread(target=bookmark_keys, args=(sys.stdin, store, args.meeting, lambda: elapsed[0]),
                             daemon=True).start()
        def show_error(error: str) -> None:
            print(f"\r  Advarsel: en linje kunne ikke transskriberes live ({error}). Optagelsen fortsætter.",
                  file=sys.stderr, flush=True)

        level = LevelWriter(Path(args.level_file), source.sample_rate) if args.level_file else None
        meeting = record(store, args.meeting, source, on_progress=progress, live=live, on_line=show_line,
                         on_live_error=show_error, by=args.by or cli_user(), level=level)
    if source.overflows:
        print(f"Advarsel: lydkortet tabte lyd {count(source.overflows, 'gang', 'gange')}.", file=sys.stderr)
    print(f"\nOptagelsen er gemt: {meeting.audio.duration_s:.1f} s.")
    if args.live and not args.no_process:
        print("Nu den fulde gennemgang, som erstatter de foreløbige linjer:")
        args.speakers = None
        cmd_process(args, home)
    else:
        print(f"Næste trin: medlyt process {meeting.id}")


def live_transcriber(store: Store, home: Path, meeting, model: str, channels: int):
    """Whisper and the speaker guesses for --live, loaded before the first sample is heard."""
    import numpy as np

    from medlyt.pipeline import load_whisper
    from transcribe.live import LiveTranscriber

    _name, whisper = load_whisper(home, model)
    voiceprints = {user: np.frombuffer(vector, np.float32) for user, vector in store.voiceprints().items()}
    return LiveTranscriber(whisper, meeting.speaking_participants, channels, voiceprints)


def bookmark_keys(lines, store: Store, meeting_id: str, now: Callable[[], float]) -> None:
    """Each line typed while recording (Enter, perhaps after a note) is a bookmark at that moment."""
    for line in lines:
        at = now()
        store.add_bookmark(meeting_id, at, by=cli_user(), note=line.strip())
        print(f"\r  Bogmærke ved {clock_text(at)}", file=sys.stderr, flush=True)


def cmd_bookmark(args, home: Path) -> None:
    from feedback.analysis import analyser

    with Store(home) as store:
        meeting = store.add_bookmark(args.meeting, args.at, by=cli_user(), note=args.note or "", analyse=analyser())
    print(f"Bogmærke sat ved {clock_text(args.at)} i møde {meeting.id} ({len(meeting.bookmarks)} i alt).")


def clock_text(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


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
                                     f"{len(records)} poster (se ovenfor).")
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
        print(f"Revisionsloggen er intakt: {len(records)} poster.")


def cmd_transcribe(args, home: Path) -> None:
    from capture.source import probe_duration
    from medlyt.export import get_writer
    from medlyt.pipeline import transcribe_file

    update, close = progress_bar(probe_duration(Path(args.file)), "Transskriberer")
    try:
        transcript = transcribe_file(home, Path(args.file), args.model, update)
    finally:
        close()
    write_output(get_writer(args.format)(transcript), args.output)


def cmd_dashboard(args, home: Path) -> None:
    run_dashboard(home, args.port)


def run_dashboard(home: Path, port: int) -> None:
    """Streamlit on loopback only, with its usage statistics off: nothing leaves the machine."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise UsageError(f"Port {port} er optaget. Vælg en anden med --port.") from None
    command = [
        sys.executable, "-m", "streamlit", "run", str(DASHBOARD_APP),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false", "--client.toolbarMode", "minimal",
        "--client.disableDataExport", "true", "--server.enableAgentApi", "false",
        # A closed tab's session, and the sound it played at /media, goes after 15 s, not 2 min.
        "--server.disconnectedSessionTTL", str(DISCONNECTED_SESSION_TTL_S),
    ]
    secrets = home / SSO_SECRETS
    if secrets.is_file():
        # The organisation's single sign-on (Streamlit's OIDC [auth] settings); see the README.
        command += ["--secrets.files", str(secrets)]
    print(f"Dashboardet kører på http://127.0.0.1:{port}  (stop med Ctrl-C)", flush=True)
    # Become Streamlit rather than wrap it: Ctrl-C and a stop signal then reach the server itself,
    # and no orphaned server can outlive the command.
    os.execve(sys.executable, command, {**os.environ, "MEDLYT_HOME": str(home)})


def cmd_demo(args, home: Path) -> None:
    from medlyt.pipeline import import_recording, process_meeting
    from models.store import install_base

    print("1/4 Standardmodellen (Whisper base) installeres og verificeres ...")
    install_base(home)
    with Store(home) as store:
        consent = Consent(given=True, method="verbal", recorded_at=now_iso())
        # The demo user plays the caseworker too, so Udvikling has someone to show.
        meeting = store.create_meeting("Demomøde: oplæst dansk tale",
                                       parse_participants("sagsbehandler,borger", consent, caseworker=DEMO_USER))
        print(f"2/4 Møde {meeting.id} oprettet med samtykke fra sagsbehandler og borger.")
        import_recording(store, meeting.id, DEMO_AUDIO)
        print("3/4 Demooptagelsen er importeret. Talen findes og transskriberes på dansk ...")
        update, close = progress_bar(store.get_meeting(meeting.id).audio.duration_s, "Transskriberer")
        try:
            meeting, _result = process_meeting(store, home, meeting.id, "base", on_progress=update)  # the one it installed
        finally:
            close()
        name_demo_voices(store, meeting.id)
        password = demo_login(store)
        segments = store.segments(meeting.id)
        labels = {s.id: s.label for s in store.speakers(meeting.id)}
        flags = store.analysis(meeting.id).flags
    print(f"4/4 Færdig: {len(segments)} tekststykker og {len(flags)} markeringer gemt i {home}")
    for segment in segments:
        print(f"  [{segment.start:6.1f} s] {labels.get(segment.speaker, '')}: {redact(segment.text)}")
    print(f"Mødets id: {meeting.id}   Overblik: medlyt show {meeting.id}")
    print(f"Log ind i dashboardet som '{DEMO_USER}' med adgangskoden: {password}")
    if not args.no_dashboard:
        run_dashboard(home, args.port)


DEMO_USER = "demo"


def demo_login(store: Store) -> str:
    """An administrator for the demo, with a fresh random password each run: no known default
    password is ever left behind in a data directory."""
    import secrets

    password = secrets.token_urlsafe(9)
    if store.user(DEMO_USER) is None:
        store.add_user(DEMO_USER, "admin", password)
    else:
        store.set_password(DEMO_USER, password)
    return password


def name_demo_voices(store: Store, meeting_id: str) -> None:
    """The demo knows its script: the caseworker opens, the citizen answers. Naming the voices
    is what an observer does by hand (medlyt speaker rename), and it gives the roles that the
    caseworker-and-citizen metrics need."""
    from meetings.corrections import anchor_of
    from meetings.records import Correction
    from feedback.analysis import analyser

    segments = store.segments(meeting_id)
    voices = list(dict.fromkeys(s.speaker for s in segments if s.speaker))
    for voice, role in zip(voices, ("sagsbehandler", "borger")):
        store.correct(meeting_id, Correction("rename", anchor=anchor_of(segments, voice), label=ROLE_LABELS[role],
                                             role=role), analyser())


# ---- parser --------------------------------------------------------------------------------


class DanishParser(argparse.ArgumentParser):
    """argparse with its own headings and help line in Danish; sub-commands inherit it."""

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenter"
        self._optionals.title = "valgmuligheder"
        self.add_argument("-h", "--help", action="help", help="vis denne hjælp og afslut")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"medlyt: fejl: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from medlyt.tasks import QUEUES

    parser = DanishParser(
        prog="medlyt",
        description="medlyt: samtykkebaseret optagelse, dansk transskription og sparring – helt offline. "
        "Data ligger i MEDLYT_HOME (eller brugerens datamappe).",
    )
    parser.add_argument("--debug", action="store_true", help="vis fuld fejlsporing ved fejl")
    commands = parser.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    models = commands.add_parser("models", help="Whisper-modeller: list, install base, download NAVN, convert HF_ID, add MAPPE, verify")
    models_commands = models.add_subparsers(dest="models_command", required=True, metavar="HANDLING")
    models_commands.add_parser("list", help="vis installerede modeller med størrelse og status")
    install = models_commands.add_parser("install", help="installér standardmodellen fra de medfølgende pakker")
    install.add_argument("name", choices=["base"], help="modellens navn (kun base)")
    add = models_commands.add_parser("add", help="tilføj en CTranslate2 Whisper-mappe, fx en dansk model")
    add.add_argument("path", help="mappe med model.bin, config.json, tokenizer.json og vocabulary")
    add.add_argument("--name", help="navnet modellen skal kendes under (standard: mappens navn)")
    models_commands.add_parser("verify", help="kontrollér alle modellers filer og sha256 igen")
    fetch = models_commands.add_parser("download", help="hent en færdigkonverteret model fra Hugging Face (kræver net)")
    fetch.add_argument("name", metavar="NAVN", help="roest-v3, hviske-v3-conversation, large-v3-turbo eller large-v3")
    fetch.add_argument("--accept-licence", action="store_true",
                       help="acceptér modellens licensvilkår uden at blive spurgt (til scripts)")
    convert = models_commands.add_parser(
        "convert", help="konvertér en dansk Whisper-model fra Hugging Face til CTranslate2 (kræver net, torch i eget miljø)")
    convert.add_argument("source", metavar="HF_ID", help="fx danish-foundation-models/edda, eller en mappe med modellen")
    convert.add_argument("--name", help="navnet modellen skal kendes under (standard: sidste del af id'et)")
    convert.add_argument("--quantization", default="int8", help="int8 (standard), int8_float16, float16 eller float32")
    models.set_defaults(handler=cmd_models)

    meeting = commands.add_parser("meeting", help="opret eller vis møder")
    meeting_commands = meeting.add_subparsers(dest="meeting_command", required=True, metavar="HANDLING")
    new = meeting_commands.add_parser("new", help="opret et møde; udskriver mødets id som sidste linje")
    new.add_argument("--title", required=True, help="mødets titel (skriv ikke borgerens navn)")
    new.add_argument("--participants", required=True,
                     help=f"roller adskilt af komma, fx sagsbehandler,borger (kendte: {', '.join(ROLES)})")
    new.add_argument("--consent-all", action="store_true", help="registrér at alle deltagere har givet samtykke nu")
    new.add_argument("--consent-method", choices=CONSENT_METHODS, default="verbal",
                     help="hvordan samtykket er givet: verbal (mundtligt) eller written (skriftligt); standard: verbal")
    new.add_argument("--channels", metavar="ROLLE=KANAL,...",
                     help="hvis hver deltager har sin egen mikrofon på hver sin kanal, fx sagsbehandler=1,borger=2")
    new.add_argument("--caseworker", metavar="BRUGER",
                     help="sagsbehandlerens brugernavn; med en indlært stemmeprøve genkendes sagsbehandleren")
    new.add_argument("--observer", metavar="BRUGER", help="observatøren, der optager (kan se mødet i dashboardet)")
    meeting_commands.add_parser("list", help="vis alle møder")
    share = meeting_commands.add_parser("share", help="del et møde med en leder (en bevidst handling, der logges)")
    share.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    share.add_argument("--with", dest="leader", required=True, metavar="LEDER", help="lederens brugernavn")
    unshare = meeting_commands.add_parser("unshare", help="stop delingen af et møde med en leder")
    unshare.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    unshare.add_argument("--with", dest="leader", required=True, metavar="LEDER", help="lederens brugernavn")
    meeting.set_defaults(handler=cmd_meeting)

    consent = commands.add_parser("consent", help="registrér at en deltager giver eller trækker samtykke")
    consent.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    consent.add_argument("--participant", required=True, metavar="ROLLE", help="deltagerens rolle, fx borger")
    decision = consent.add_mutually_exclusive_group(required=True)
    decision.add_argument("--given", dest="given", action="store_true", help="samtykke givet")
    decision.add_argument("--withdrawn", dest="given", action="store_false",
                          help="samtykke trukket tilbage: mødets lyd og tekst slettes straks")
    consent.add_argument("--method", choices=CONSENT_METHODS, default="verbal",
                         help="verbal (mundtligt) eller written (skriftligt); standard: verbal")
    consent.set_defaults(handler=cmd_consent)

    imp = commands.add_parser("import", help="importér en lydfil (wav, flac, mp3, m4a, ogg, opus ...) til et møde")
    imp.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    imp.add_argument("file", metavar="FIL")
    imp.set_defaults(handler=cmd_import)

    process = commands.add_parser("process", help="find tale og transskribér mødets optagelse på dansk")
    process.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    process.add_argument("--model", default=None, metavar="NAVN|STI", help="model (standard: MEDLYT_MODEL, ellers base)")
    process.add_argument("--speakers", type=int, metavar="N",
                         help="antal talere (standard: de talende deltagere i mødet)")
    process.add_argument("--config", metavar="FIL", help=CONFIG_HELP)
    process.add_argument("--queue", choices=QUEUES, default=None,
                         help="central drift: køen, jobbet sættes i (standard cpu); uden --model bruges køens "
                              "model (MEDLYT_MODEL_GPU / MEDLYT_MODEL_CPU), ellers MEDLYT_MODEL")
    process.add_argument("--wait", action="store_true",
                         help="central drift: vent på at en worker er færdig, og vis hvor langt den er "
                              "(ellers sættes mødet i kø, og kommandoen returnerer straks)")
    process.set_defaults(handler=cmd_process)

    show = commands.add_parser("show", help="vis taletid, nøgletal og markeringer for et møde")
    show.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    show.set_defaults(handler=cmd_show)

    analyse = commands.add_parser("analyse", help="beregn nøgletal og markeringer igen uden ny transskription")
    analyse.add_argument("meeting", metavar="MØDE", nargs="?", help="mødets id (se: medlyt meeting list)")
    analyse.add_argument("--all", action="store_true",
                         help="alle transskriberede møder (fx efter nye indstillinger for organisationen)")
    analyse.add_argument("--config", metavar="FIL", help=CONFIG_HELP)
    analyse.add_argument("--wait", action="store_true",
                         help="central drift: vent på, at workerne er færdige (ellers sættes møderne i kø, "
                              "og kommandoen returnerer straks)")
    analyse.set_defaults(handler=cmd_analyse)

    config = commands.add_parser("config", help="grænseværdier og ordlister for markeringerne")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="HANDLING")
    config_commands.add_parser("default", help="udskriv standardindstillingerne (en skabelon til jeres egen fil)")
    check = config_commands.add_parser("check", help="kontrollér en konfigurationsfil")
    check.add_argument("file", metavar="FIL")
    config.set_defaults(handler=cmd_config)

    export = commands.add_parser("export", help="eksportér et transskriberet møde")
    export.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument("-o", "--output", metavar="FIL", help="skriv til fil i stedet for standard output")
    export.add_argument("--unmasked", action="store_true",
                        help="vis CPR-numre, telefonnumre og e-mailadresser umaskerede (som standard erstattes de "
                             "af [CPR-nummer], [telefonnummer] og [e-mail]); det skrives i auditloggen")
    export.set_defaults(handler=cmd_export)

    speaker = commands.add_parser("speaker", help="vis og ret talere i et møde (rettelser overlever ny kørsel)")
    speaker_commands = speaker.add_subparsers(dest="speaker_command", required=True, metavar="HANDLING")
    listing = speaker_commands.add_parser("list", help="vis talerne med taletid og andel")
    listing.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    rename = speaker_commands.add_parser("rename", help="giv en taler navn og rolle, fx --role borger")
    rename.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    rename.add_argument("speaker", metavar="TALER", help="talerens id, fx S2")
    rename.add_argument("--label", metavar="NAVN", help="navnet, der vises (standard: rollens navn)")
    rename.add_argument("--role", metavar="ROLLE", help=f"rolle ({', '.join(ROLES)})")
    merge = speaker_commands.add_parser("merge", help="læg to talere sammen")
    merge.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    merge.add_argument("speaker", metavar="TALER", help="taleren, der skal forsvinde")
    merge.add_argument("--into", required=True, metavar="TALER", help="taleren, der overtager talen")
    move = speaker_commands.add_parser("move", help="flyt en linje til en anden taler")
    move.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    move.add_argument("--at", required=True, type=float, metavar="SEKUNDER", help="et tidspunkt i linjen")
    move.add_argument("--to", required=True, metavar="TALER")
    speaker.set_defaults(handler=cmd_speaker)

    voice = commands.add_parser("voice", help="sagsbehandlerens stemmeprøve (med samtykke) til genkendelse")
    voice_commands = voice.add_subparsers(dest="voice_command", required=True, metavar="HANDLING")
    enroll = voice_commands.add_parser("enroll", help="indlær en stemme fra en optagelse med kun den person")
    enroll.add_argument("user", metavar="BRUGER")
    enroll.add_argument("file", metavar="FIL", help="mindst 10 sekunders tale af personen alene")
    enroll.add_argument("--consent-method", required=True, choices=CONSENT_METHODS,
                        help="hvordan personen har givet samtykke til at gemme stemmeprøven")
    delete = voice_commands.add_parser("delete", help="slet en stemmeprøve")
    delete.add_argument("user", metavar="BRUGER")
    voice_commands.add_parser("list", help="vis hvem der har en stemmeprøve")
    voice.set_defaults(handler=cmd_voice)

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

    record = commands.add_parser("record", help="optag et møde fra mikrofonen (kun med samtykke)")
    record.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    record.add_argument("--device", metavar="ENHED", help="lydenhedens navn eller nummer (standard: systemets)")
    record.add_argument("--channels", type=int, default=1, metavar="N",
                        help="antal kanaler, fx 2 med én mikrofon pr. person (standard: 1)")
    record.add_argument("--simulate", metavar="WAV", help="afspil en 16 kHz WAV i realtid som mikrofon (test og demo)")
    record.add_argument("--live", action="store_true",
                        help="transskribér undervejs: linjer og taletid vises på dashboardets side 'Live'; "
                             "efter stop kører den fulde gennemgang (medlyt process) af sig selv")
    record.add_argument("--model", default=None, metavar="NAVN|STI",
                        help="Whisper-model til --live og den fulde gennemgang (standard: MEDLYT_MODEL, ellers base)")
    record.add_argument("--no-process", action="store_true", help="med --live: kør ikke den fulde gennemgang bagefter")
    record.add_argument("--config", metavar="FIL", help="feedback-indstillinger til den fulde gennemgang")
    record.add_argument("--level-file", metavar="FIL", help="skriv lydniveauet løbende i FIL (dashboardets niveaumåler)")
    record.add_argument("--level-only", type=float, metavar="SEK",
                        help="prøv mikrofonen: skriv kun lydniveauet i SEK sekunder; intet gemmes")
    # The dashboard user who pressed start, for the audit log (the dashboard starts the recorder).
    record.add_argument("--by", help=argparse.SUPPRESS)
    record.set_defaults(handler=cmd_record)

    bookmark = commands.add_parser("bookmark", help="sæt et bogmærke i et møde (også under optagelse: tryk Enter)")
    bookmark.add_argument("meeting", metavar="MØDE", help="mødets id (se: medlyt meeting list)")
    bookmark.add_argument("--at", required=True, type=float, metavar="SEKUNDER", help="tidspunktet i optagelsen")
    bookmark.add_argument("--note", metavar="TEKST", help="en kort note (skriv ikke borgerens navn)")
    bookmark.set_defaults(handler=cmd_bookmark)

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

    transcribe = commands.add_parser("transcribe", help="transskribér en fil uden at gemme noget")
    transcribe.add_argument("file", metavar="FIL")
    transcribe.add_argument("--model", default=None, metavar="NAVN|STI", help="model (standard: MEDLYT_MODEL, ellers base)")
    transcribe.add_argument("--format", default="txt", choices=TRANSCRIBE_FORMATS)
    transcribe.add_argument("-o", "--output", metavar="FIL", help="skriv til fil i stedet for standard output")
    transcribe.set_defaults(handler=cmd_transcribe)

    dashboard = commands.add_parser("dashboard", help="start dashboardet på 127.0.0.1")
    dashboard.add_argument("--port", type=int, default=8501)
    dashboard.set_defaults(handler=cmd_dashboard)

    demo = commands.add_parser("demo", help="kør et rigtigt demomøde gennem hele forløbet og åbn dashboardet")
    demo.add_argument("--no-dashboard", action="store_true", help="stop efter transskriptionen")
    demo.add_argument("--port", type=int, default=8501)
    demo.set_defaults(handler=cmd_demo)

    from medlyt.cli import db, jobs, push

    jobs.configure(commands)
    db.configure(commands)
    push.configure(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # `models download` and `models convert` are the commands the user runs to fetch something;
    # all else stays offline.
    if args.command != "models" or getattr(args, "models_command", None) not in ("download", "convert"):
        settings.force_offline()
    try:
        home = settings.data_home()
        if args.command != "db":  # the database may not be ready for them yet; `db` is how it gets ready
            recover_recordings(home)
            purge_due(home)
        args.handler(args, home)
    except ConsentError as error:
        return fail(error, EXIT_CONSENT, args.debug)
    except AuditLogBroken as error:
        return fail(error, EXIT_AUDIT_BROKEN, args.debug)
    except (UsageError, AudioError, MeetingError, ModelError, TranscriptionError, ConfigError, RecorderError) as error:
        return fail(error, EXIT_BAD_INPUT, args.debug)
    except KeyboardInterrupt:
        print("medlyt: afbrudt.", file=sys.stderr)
        return 130
    except Exception as error:  # the promise is one line, never a traceback, unless --debug
        if args.debug:
            raise
        print(f"medlyt: uventet fejl: {type(error).__name__}: {error} (kør med --debug for detaljer)", file=sys.stderr)
        return 1
    return 0


def recover_recordings(home: Path) -> None:
    """A recording cut off by a crash or power cut becomes its meeting's audio at the next start."""
    from meetings.store import AUDIO_DIR, RECORDING_SUFFIX
    from medlyt.recording import recover_unfinished

    if not any((home / AUDIO_DIR).glob(f"*{RECORDING_SUFFIX}")):
        return  # the common case: nothing to recover, and the store is not even opened
    with Store(home) as store:
        for meeting_id, seconds in recover_unfinished(store):
            print(f"Genoprettet: en afbrudt optagelse af møde {meeting_id} ({seconds:.1f} s) er gemt.", file=sys.stderr)


def fail(error: Exception, code: int, debug: bool) -> int:
    if debug:
        raise error
    print(f"medlyt: fejl: {error}", file=sys.stderr)
    return code

