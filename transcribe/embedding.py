"""Speaker embeddings with Resemblyzer's GE2E encoder on numpy + onnxruntime (no torch, no librosa).

The weights come from Resemblyzer 0.1.4 (Apache-2.0), converted once by tests/tools/convert_ge2e.py
into an ONNX graph run on onnxruntime; see transcribe/ge2e/NOTICE.md. Everything here reproduces
Resemblyzer's own computations (resemblyzer/audio.py and voice_encoder.py) so that embeddings
equal the reference ones to < 1e-6 (tests/unit/test_embedding.py).

Audio is float32 mono at 16 kHz in [-1, 1]. The network input is a *linear* (power) mel
spectrogram, so loudness matters: give embed_windows audio that went through normalize_volume
(as preprocess_wav does), but not through trim_long_silences, which would shift the times.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnxruntime as ort
import webrtcvad

from meetings.intervals import union

SAMPLE_RATE = 16000
N_FFT = 400  # 25 ms analysis window
HOP = 160  # 10 ms step: 100 mel frames per second
N_MELS = 40
FRAMES_PER_SECOND = SAMPLE_RATE // HOP
PARTIAL_FRAMES = 160  # Resemblyzer's partial utterance: 1.6 s
EMBEDDING_SIZE = 256

# Volume normalisation and VAD trimming, as in resemblyzer/hparams.py.
TARGET_DBFS = -30
INT16_MAX = 2**15 - 1  # Resemblyzer scales by 32767, not 32768
VAD_WINDOW = 30 * SAMPLE_RATE // 1000  # 30 ms of samples
VAD_AVERAGE_WIDTH = 8
VAD_MAX_SILENCE = 6

# STFT in blocks of frames so that a long meeting never needs a (frames x 400) float64 array
# for all of it at once (a 60-minute meeting would take over 1 GB).
MEL_BLOCK_FRAMES = 8192

# Converted by tests/tools/convert_ge2e.py: ge2e.onnx (network) and mel.npz (filterbank, window).
MODEL_DIR = Path(__file__).resolve().parent / "ge2e"


class SpeakerEncoder:
    """GE2E: mel spectrogram -> 3-layer LSTM (256) -> linear (256) -> ReLU -> L2 normalise."""

    def __init__(self, session: ort.InferenceSession, mel_basis: np.ndarray, window: np.ndarray):
        self.session = session
        self.mel_basis_t = np.ascontiguousarray(mel_basis.T)  # (201, 40) float32
        self.window = window  # float64, as librosa multiplies frames by it

    @classmethod
    def load(cls, threads: int | None = None) -> "SpeakerEncoder":
        """threads: onnxruntime threads; default min(2, CPUs), the 2-core target."""
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning, so they leave the CPU to the rest of medlyt.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(
            str(MODEL_DIR / "ge2e.onnx"), options, providers=["CPUExecutionProvider"]
        )
        with np.load(MODEL_DIR / "mel.npz") as front_end:
            return cls(session, front_end["mel_basis"], front_end["window"])

    # --- front end -------------------------------------------------------------------------

    def mel_frames(self, wav: np.ndarray) -> np.ndarray:
        """(n_frames, 40) float32, as resemblyzer.audio.wav_to_mel_spectrogram (librosa 0.11:
        centred STFT with zero padding, periodic Hann, n_fft 400, hop 160, power 2, Slaney mel).
        """
        wav = np.asarray(wav, dtype=np.float32)
        return self.mel_range(wav, 0, 1 + len(wav) // HOP)

    def mel_range(self, wav: np.ndarray, first: int, stop: int) -> np.ndarray:
        """Frames [first, stop) of the whole signal's centred STFT, without padding all of it."""
        mel = np.empty((stop - first, N_MELS), dtype=np.float32)
        for start in range(first, stop, MEL_BLOCK_FRAMES):
            end = min(start + MEL_BLOCK_FRAMES, stop)
            lo = start * HOP - N_FFT // 2  # frame i is centred on sample i * HOP
            segment = _zero_padded_slice(wav, lo, (end - 1) * HOP - N_FFT // 2 + N_FFT)
            frames = np.lib.stride_tricks.sliding_window_view(segment, N_FFT)[::HOP]
            # librosa's rounding: float64 FFT, stored as complex64, power and mel in float32.
            spectrum = np.fft.rfft(frames * self.window, axis=1).astype(np.complex64)
            power = np.abs(spectrum) ** 2
            mel[start - first : end - first] = power @ self.mel_basis_t
        return mel

    # --- network ---------------------------------------------------------------------------

    def embed_frames(self, frames: np.ndarray) -> np.ndarray:
        """(batch, n_frames, 40) mel frames -> (batch, 256) L2-normalised embeddings."""
        mels = np.ascontiguousarray(frames, dtype=np.float32)
        return self.session.run(None, {"mels": mels})[0]

    def embed_windows(
        self,
        wav: np.ndarray,
        windows: list[tuple[float, float]],
        batch_size: int = 64,
        mel: np.ndarray | None = None,
    ) -> np.ndarray:
        """(n, 256) embeddings of (start_s, end_s) windows of one recording.

        The mel spectrogram is computed once for the frames the windows need and sliced per
        window, as Resemblyzer slices partial utterances. Audio past the end counts as silence.
        `mel`: those frames already computed (mel_of_spans with at least the windows' spans).
        """
        wav = np.asarray(wav, dtype=np.float32)
        spans = [frame_span(start, end) for start, end in windows]
        out = np.zeros((len(spans), EMBEDDING_SIZE), dtype=np.float32)
        if not spans:
            return out
        if mel is None:
            first = min(a for a, _ in spans)
            mel = self._mel_of_spans(wav, spans, first)
        else:
            first = 0
        # One batch needs equal lengths, so windows are grouped by their number of frames.
        by_length: dict[int, list[int]] = {}
        for index, (a, b) in enumerate(spans):
            by_length.setdefault(b - a, []).append(index)
        for n_frames, indices in by_length.items():
            for chunk in _chunks(indices, batch_size):
                batch = np.stack([mel[spans[i][0] - first : spans[i][1] - first] for i in chunk])
                out[chunk] = self.embed_frames(batch)
        return out

    def mel_of_spans(self, wav: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
        """Mel frames from 0 to the last span's end, computed only inside the (frame) spans; the
        rest stay zero. One spectrogram for the embeddings and the resegmentation."""
        return self._mel_of_spans(np.asarray(wav, dtype=np.float32), spans, 0)

    def _mel_of_spans(self, wav: np.ndarray, spans: list[tuple[int, int]], first: int):
        """Mel frames from `first` to the last span's end; only frames some span uses are
        computed (a capped set of windows may leave gaps), the rest stay zero."""
        mel = np.zeros((max(b for _, b in spans) - first, N_MELS), dtype=np.float32)
        for a, b in union(spans):
            mel[a - first : b - first] = self.mel_range(wav, a, b)
        return mel

    def embed_utterance(self, wav: np.ndarray, batch_size: int = 64) -> np.ndarray:
        """(256,) as VoiceEncoder.embed_utterance on an already preprocessed wav: partials of
        160 frames at 1.3 per second, the last kept at >= 75% coverage, mean, renormalised."""
        wav = np.asarray(wav, dtype=np.float32)
        starts = partial_starts(len(wav))
        needed = starts[-1] * HOP + PARTIAL_FRAMES * HOP
        if needed >= len(wav):
            wav = np.pad(wav, (0, needed - len(wav)))
        mel = self.mel_frames(wav)
        partials = np.stack([mel[s : s + PARTIAL_FRAMES] for s in starts])
        embeds = np.concatenate(
            [self.embed_frames(chunk) for chunk in _chunks(partials, batch_size)]
        )
        raw = embeds.mean(axis=0)
        return (raw / np.linalg.norm(raw, 2)).astype(np.float32)


def partial_starts(n_samples: int, rate: float = 1.3, min_coverage: float = 0.75) -> list[int]:
    """First mel frame of each partial, as VoiceEncoder.compute_partial_slices."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    frame_step = int(np.round((SAMPLE_RATE / rate) / HOP))
    steps = max(1, n_frames - PARTIAL_FRAMES + frame_step + 1)
    starts = list(range(0, steps, frame_step))
    last_start = starts[-1] * HOP
    coverage = (n_samples - last_start) / (PARTIAL_FRAMES * HOP)
    if coverage < min_coverage and len(starts) > 1:
        starts = starts[:-1]
    return starts


# --- preprocessing (resemblyzer/audio.py, for 16 kHz input: no resampling) ---------------------


def preprocess_wav(wav: np.ndarray) -> np.ndarray:
    """Raise the volume to -30 dBFS (never lower it) and shorten silences longer than ~0.2 s."""
    return trim_long_silences(normalize_volume(np.asarray(wav, dtype=np.float32)))


def normalize_volume(wav: np.ndarray, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """Increase-only gain to `target_dbfs` RMS; the arithmetic is Resemblyzer's, to the bit."""
    rms = np.sqrt(np.mean((wav * INT16_MAX) ** 2))
    if not rms > 0:
        return wav  # silence: Resemblyzer would multiply by infinity
    wave_dbfs = 20 * np.log10(rms / INT16_MAX)
    change = target_dbfs - wave_dbfs
    if change < 0:
        return wav
    return wav * (10 ** (change / 20))


def normalize_volume_in_place(wav: np.ndarray, target_dbfs: float = TARGET_DBFS) -> None:
    """normalize_volume's gain without copies: a 2-hour meeting is 460 MB of float32, and the
    to-the-bit version holds three of it at once. The gain differs from it by float rounding."""
    if not len(wav):
        return
    block = 1 << 20
    square_sum = sum(float(np.dot(part, part)) for part in (wav[i:i + block] for i in range(0, len(wav), block)))
    rms = np.sqrt(square_sum / len(wav)) * INT16_MAX
    if not rms > 0:
        return
    change = target_dbfs - 20 * np.log10(rms / INT16_MAX)
    if change >= 0:
        wav *= np.float32(10 ** (change / 20))


def trim_long_silences(wav: np.ndarray) -> np.ndarray:
    """Keep 30 ms windows that the smoothed, dilated webrtcvad (mode 3) marks as voice."""
    wav = wav[: len(wav) - len(wav) % VAD_WINDOW]
    # Resemblyzer's cast would wrap on overflow; clipping only differs on clipped audio.
    pcm = np.clip(np.round(wav * INT16_MAX), -32768, 32767).astype("<i2").tobytes()
    vad = webrtcvad.Vad(3)
    flags = np.array(
        [
            vad.is_speech(pcm[start * 2 : (start + VAD_WINDOW) * 2], SAMPLE_RATE)
            for start in range(0, len(wav), VAD_WINDOW)
        ],
        dtype=bool,
    )
    mask = np.round(_moving_average(flags, VAD_AVERAGE_WIDTH)).astype(bool)
    mask = _dilate(mask, VAD_MAX_SILENCE + 1)
    return wav[np.repeat(mask, VAD_WINDOW)]


def _moving_average(array: np.ndarray, width: int) -> np.ndarray:
    padded = np.concatenate((np.zeros((width - 1) // 2), array, np.zeros(width // 2)))
    total = np.cumsum(padded, dtype=float)
    total[width:] = total[width:] - total[:-width]
    return total[width - 1 :] / width


def _dilate(mask: np.ndarray, width: int) -> np.ndarray:
    """scipy.ndimage.binary_dilation with np.ones(width) (odd width, centred, zero border)."""
    if len(mask) == 0:
        return mask  # np.convolve refuses empty input
    hits = np.convolve(mask.astype(np.int32), np.ones(width, dtype=np.int32), mode="full")
    half = width // 2
    return hits[half : half + len(mask)] > 0


# --- helpers ------------------------------------------------------------------------------------


def frame_span(start_s: float, end_s: float) -> tuple[int, int]:
    """Mel frames of a window; frame i is centred at i / 100 s."""
    first = max(0, int(round(start_s * FRAMES_PER_SECOND)))
    n_frames = max(1, int(round((end_s - start_s) * FRAMES_PER_SECOND)))
    return first, first + n_frames


def _zero_padded_slice(wav: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """wav[lo:hi] with zeros where the range falls outside the signal (librosa pads zeros)."""
    if lo >= 0 and hi <= len(wav):
        return wav[lo:hi]
    out = np.zeros(hi - lo, dtype=wav.dtype)
    a, b = max(lo, 0), min(hi, len(wav))
    if b > a:
        out[a - lo : b - lo] = wav[a:b]
    return out


def _chunks(items, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
