"""Convert Resemblyzer's GE2E speaker encoder to plain numpy arrays (development time only).

Run once, in a separate environment that has torch, librosa and Resemblyzer:

    python3 -m venv /tmp/ge2e-venv
    /tmp/ge2e-venv/bin/pip install torch==2.13.0 webrtcvad-wheels librosa numpy scipy
    /tmp/ge2e-venv/bin/pip install --no-deps Resemblyzer==0.1.4
    /tmp/ge2e-venv/bin/pip install onnx
    /tmp/ge2e-venv/bin/python tests/tools/convert_ge2e.py

It writes, for transcribe/embedding.py (which needs neither torch nor librosa):
- transcribe/ge2e/ge2e.onnx: the network (3 ONNX LSTM ops, linear, ReLU, L2 normalisation),
  built node by node from the checkpoint's float32 weights, run on onnxruntime;
- transcribe/ge2e/mel.npz: the mel filterbank and window librosa computes for Resemblyzer.

Why onnxruntime and not a numpy LSTM: on batches of 64 two-second windows, onnxruntime's fused
LSTM did 133 windows per CPU-second against 82 for a numpy LSTM with batched matmuls, and its
thread count is explicit (OpenBLAS threads collapsed on a busy 2-core machine).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import librosa
import numpy as np
import onnx
import resemblyzer
import scipy.signal
import torch
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).resolve().parents[2] / "transcribe" / "ge2e"
SAMPLE_RATE = 16000
N_FFT = 400  # 25 ms windows, as in resemblyzer.hparams
N_MELS = 40
N_LAYERS = 3
HIDDEN = 256


def main() -> None:
    source = Path(resemblyzer.__file__).parent / "pretrained.pt"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    # The checkpoint is a trusted, pinned file; it also holds optimizer state, which we drop.
    state = torch.load(source, map_location="cpu", weights_only=False)["model_state"]
    weights = {name: as_f32(tensor) for name, tensor in state.items()}
    model = build_graph(weights)
    onnx.checker.check_model(model)
    OUT.mkdir(parents=True, exist_ok=True)
    onnx.save(model, OUT / "ge2e.onnx")
    np.savez(OUT / "mel.npz", **front_end())
    print(f"{source} sha256 {digest}")
    for name in ("ge2e.onnx", "mel.npz"):
        print(f"wrote {OUT / name} ({(OUT / name).stat().st_size / 1e6:.2f} MB)")


def build_graph(w: dict[str, np.ndarray]) -> onnx.ModelProto:
    """mels (batch, frames, 40) -> emb (batch, 256), as VoiceEncoder.forward."""
    nodes = [helper.make_node("Transpose", ["mels"], ["x0"], perm=[1, 0, 2])]  # time-major
    inits = [constant("axis0", np.array([0], np.int64)), constant("axis1", np.array([1], np.int64))]
    x = "x0"
    for layer in range(N_LAYERS):
        suffix = f"_l{layer}"
        bias = np.concatenate([w["lstm.bias_ih" + suffix], w["lstm.bias_hh" + suffix]])
        inits += [
            constant(f"W{layer}", torch_to_onnx_gates(w["lstm.weight_ih" + suffix])[None]),
            constant(f"R{layer}", torch_to_onnx_gates(w["lstm.weight_hh" + suffix])[None]),
            # ONNX wants both biases in one row: (1, 8 * hidden).
            constant(f"B{layer}", torch_to_onnx_gates(bias.reshape(2, -1), axis=1).reshape(1, -1)),
        ]
        # Zero initial state, like torch when none is given.
        lstm = [x, f"W{layer}", f"R{layer}", f"B{layer}"]
        nodes.append(helper.make_node("LSTM", lstm, [f"y{layer}", f"h{layer}"], hidden_size=HIDDEN))
        nodes.append(helper.make_node("Squeeze", [f"y{layer}", "axis1"], [f"x{layer + 1}"]))
        x = f"x{layer + 1}"
    inits += [constant("linear_w", w["linear.weight"].T), constant("linear_b", w["linear.bias"])]
    nodes += [
        # Last layer's final hidden state, as hidden[-1] in torch.
        helper.make_node("Squeeze", [f"h{N_LAYERS - 1}", "axis0"], ["last"]),
        helper.make_node("MatMul", ["last", "linear_w"], ["projected"]),
        helper.make_node("Add", ["projected", "linear_b"], ["linear"]),
        helper.make_node("Relu", ["linear"], ["positive"]),
        helper.make_node("LpNormalization", ["positive"], ["emb"], axis=1, p=2),
    ]
    graph = helper.make_graph(
        nodes,
        "ge2e_speaker_encoder",
        [helper.make_tensor_value_info("mels", TensorProto.FLOAT, ["batch", "frames", 40])],
        [helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["batch", 256])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by older onnxruntime releases too
    return model


def torch_to_onnx_gates(array: np.ndarray, axis: int = 0) -> np.ndarray:
    """torch stacks LSTM gates as (input, forget, cell, output); ONNX as (input, output,
    forget, cell)."""
    i, f, g, o = np.split(array, 4, axis=axis)
    return np.ascontiguousarray(np.concatenate([i, o, f, g], axis=axis), dtype=np.float32)


def constant(name: str, array: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.ascontiguousarray(array), name)


def front_end() -> dict[str, np.ndarray]:
    """The exact filterbank and window librosa.feature.melspectrogram uses for Resemblyzer."""
    mel_basis = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS)
    window = scipy.signal.get_window("hann", N_FFT, fftbins=True)  # librosa's stft window
    return {
        "mel_basis": mel_basis.astype(np.float32),  # (40, 201)
        "window": window.astype(np.float64),  # librosa multiplies in float64
    }


def as_f32(tensor) -> np.ndarray:
    array = tensor.detach().cpu().numpy() if isinstance(tensor, torch.Tensor) else tensor
    return np.ascontiguousarray(array, dtype=np.float32)


if __name__ == "__main__":
    main()
