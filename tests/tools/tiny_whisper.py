"""A small random-weight Whisper in Hugging Face's format, for a real `medlyt models convert` test
without the network. Runs in a Python with torch and transformers (not medlyt's).

Usage: python tests/tools/tiny_whisper.py OUTPUT_DIR TOKENIZER_JSON
  TOKENIZER_JSON: the multilingual Whisper tokenizer (the base model's tokenizer.json), so the
  vocabulary and special tokens are Whisper's own.
"""

import json
import sys
from pathlib import Path

import torch
from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration, WhisperTokenizerFast


def main(output: str, tokenizer_json: str) -> None:
    torch.manual_seed(0)
    out = Path(output)
    tokenizer = WhisperTokenizerFast(tokenizer_file=tokenizer_json)
    vocab = json.loads(Path(tokenizer_json).read_text())
    size = len(vocab["model"]["vocab"]) + len(vocab.get("added_tokens", []))
    config = WhisperConfig(vocab_size=max(size, 51865), d_model=64, encoder_layers=2, decoder_layers=2,
                           encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=128,
                           decoder_ffn_dim=128, num_mel_bins=80, max_source_positions=1500, max_target_positions=448,
                           decoder_start_token_id=50258, pad_token_id=50257, bos_token_id=50257, eos_token_id=50257)
    model = WhisperForConditionalGeneration(config)
    model.generation_config.suppress_tokens = []
    model.generation_config.begin_suppress_tokens = [220, 50257]
    model.generation_config.lang_to_id = {"<|da|>": tokenizer.convert_tokens_to_ids("<|da|>")}
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    WhisperFeatureExtractor(feature_size=80).save_pretrained(out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
