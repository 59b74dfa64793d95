"""Converts one Hugging Face Whisper model to CTranslate2. Runs inside the converter's own
environment (torch, transformers, ctranslate2; see models.convert), never in medlyt's: it imports
nothing from medlyt, and says what went wrong by its exit status, which medlyt turns into one
Danish line.

Usage: python convert_worker.py SOURCE OUTPUT_DIR QUANTIZATION
  SOURCE is a Hugging Face model id or a local directory in Hugging Face's format.
On success prints one JSON line: the commit converted, and the converter's versions.
"""

import json
import sys
from pathlib import Path

EXIT_NOT_WHISPER = 3
EXIT_NO_NETWORK = 4
EXIT_NO_CONVERTER = 5
EXIT_NOT_FOUND = 6
# faster-whisper reads its tokenizer from tokenizer.json, and large-v3's 128 mel bands from
# preprocessor_config.json; the converter copies those the model has.
COPY_FILES = ("tokenizer.json", "preprocessor_config.json")


def fail(code: int, detail: str) -> None:
    print(detail, file=sys.stderr)
    sys.exit(code)


def no_network(error: Exception) -> bool:
    """The hub could not be reached: requests' errors are OSErrors, httpx's (huggingface_hub 1.x)
    are named for what failed."""
    return isinstance(error, OSError) or any(word in type(error).__name__
                                             for word in ("Connect", "Timeout", "Network", "Offline"))


def describe(source: str) -> tuple[dict, list[str], str | None]:
    """The model's config.json, its file names and the commit, read before torch loads: a model
    that is not Whisper is refused in seconds, not after gigabytes."""
    local = Path(source)
    if local.is_dir():
        config = local / "config.json"
        if not config.is_file():
            fail(EXIT_NOT_WHISPER, "config.json mangler")
        return json.loads(config.read_text(encoding="utf-8")), [p.name for p in local.iterdir()], None
    try:
        from huggingface_hub import HfApi, hf_hub_download
        from huggingface_hub.errors import RepositoryNotFoundError
    except ImportError as error:
        fail(EXIT_NO_CONVERTER, str(error))
    try:
        info = HfApi().model_info(source)
        config = json.loads(Path(hf_hub_download(source, "config.json", revision=info.sha)).read_text(encoding="utf-8"))
    except RepositoryNotFoundError as error:
        fail(EXIT_NOT_FOUND, str(error).splitlines()[0])
    except Exception as error:
        if not no_network(error):
            raise
        fail(EXIT_NO_NETWORK, f"{type(error).__name__}: {error}".splitlines()[0])
    return config, [s.rfilename for s in info.siblings or []], info.sha


def main(source: str, output: str, quantization: str) -> None:
    config, files, commit = describe(source)
    if config.get("model_type") != "whisper":
        fail(EXIT_NOT_WHISPER, str(config.get("model_type")))
    try:
        import ctranslate2
        import torch  # noqa: F401  the converter loads the weights with it
        import transformers
        from ctranslate2.converters import TransformersConverter
    except ImportError as error:
        fail(EXIT_NO_CONVERTER, str(error))
    copy = [name for name in COPY_FILES if name in files]
    TransformersConverter(source, copy_files=copy, revision=commit).convert(output, quantization=quantization,
                                                                            force=True)
    if "tokenizer.json" not in copy:  # an older fine-tune with only the slow tokenizer's files
        transformers.AutoTokenizer.from_pretrained(source, revision=commit).backend_tokenizer.save(
            str(Path(output) / "tokenizer.json"))
    print(json.dumps({"commit": commit, "ctranslate2": ctranslate2.__version__,
                      "transformers": transformers.__version__}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
