"""`medlyt models`: the Whisper models on this machine: list, install, download, convert, add, verify."""

import sys
from pathlib import Path

from medlyt.cli.common import UsageError
from models.store import ModelError


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


def configure(commands) -> None:
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
