"""Frame-level resegmentation: turns that end where the voice ends.

The first pass (transcribe.speakers.attribute) labels 1.6 s windows every 0.5 s, so its speaker
changes are only as sharp as the window votes, and it gives the VAD's whole padded speech to
somebody, pauses included. Here each 20 ms frame is decided again, VBx-style: per-speaker
models learned from the first pass (a small diagonal Gaussian mixture on cepstra, from the
frames louder than the room: the pauses inside a turn are not the voice), one model
for the room without speech, and a Viterbi pass through an HMM whose states are "nobody" and each
speaker, with a cost for every change. The models are then learned again from the new labels and
the pass repeated, a couple of times.

Pure: numpy in (log mel frames, the speech regions, the first-pass turns), turns out; the audio
is read and the mel spectrogram computed in transcribe.diarize. numpy only, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from transcribe.speaker_options import SpeakerOptions
from transcribe.speakers import Turn


@dataclass(frozen=True)
class Gmm:
    """Diagonal-covariance Gaussian mixture."""

    log_weights: np.ndarray  # (c,)
    means: np.ndarray  # (c, d)
    variances: np.ndarray  # (c, d)

    def log_likelihood(self, x: np.ndarray, block: int = 16384) -> np.ndarray:
        """(n,) log p(x) per frame; `block` frames at a time, so that a 64-component model of two
        voices at once on a 60-minute meeting does not hold (180,000, 64) arrays several times over."""
        precision = 1.0 / self.variances
        scaled_means = (self.means * precision).T
        constant = (self.log_weights - 0.5 * np.sum(self.means**2 * precision, axis=1)
                    - 0.5 * (np.sum(np.log(self.variances), axis=1) + self.means.shape[1] * np.log(2 * np.pi)))
        out = np.empty(len(x))
        for a in range(0, len(x), block):
            part = x[a : a + block]
            # log N(x; m, v) summed over dims, for every (frame, component), without (n, c, d) arrays.
            out[a : a + block] = _logsumexp(constant - 0.5 * ((part**2) @ precision.T) + part @ scaled_means, axis=1)
        return out


VARIANCE_FLOOR = 1e-3  # relative to the data's own variance: no component collapses on a frame


def fit_gmm(x: np.ndarray, components: int, iterations: int = 10) -> Gmm:
    """EM from a deterministic start: components initialised on equal slices of the frames
    sorted by their first coefficient (energy), so the same data gives the same model."""
    x = np.asarray(x, dtype=np.float64)
    components = max(1, min(components, len(x) // 20))
    floor = VARIANCE_FLOOR * x.var(axis=0) + 1e-6
    order = np.argsort(x[:, 0], kind="stable")
    slices = np.array_split(order, components)
    means = np.stack([x[s].mean(axis=0) for s in slices])
    variances = np.stack([np.maximum(x[s].var(axis=0), floor) for s in slices])
    gmm = Gmm(np.full(components, -np.log(components)), means, variances)
    for _ in range(iterations):
        resp = _responsibilities(gmm, x)
        mass = resp.sum(axis=0) + 1e-10
        means = (resp.T @ x) / mass[:, None]
        variances = np.maximum((resp.T @ x**2) / mass[:, None] - means**2, floor)
        gmm = Gmm(np.log(mass / mass.sum()), means, variances)
    return gmm


def _responsibilities(gmm: Gmm, x: np.ndarray) -> np.ndarray:
    precision = 1.0 / gmm.variances
    quadratic = (x**2) @ precision.T - 2 * x @ (gmm.means * precision).T + np.sum(gmm.means**2 * precision, axis=1)
    log_norm = -0.5 * np.sum(np.log(gmm.variances), axis=1)
    joint = gmm.log_weights + log_norm - 0.5 * quadratic
    return np.exp(joint - _logsumexp(joint, axis=1)[:, None])


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    top = a.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(axis=axis, keepdims=True))).squeeze(axis)


# ------------------------------------------------------------------------------------ features


def cepstra(log_mel: np.ndarray, n_coefficients: int) -> np.ndarray:
    """(n, n_coefficients) DCT-II (orthonormal) of log mel frames: MFCCs, c0 (level) first."""
    return log_mel @ _dct_basis(log_mel.shape[-1], n_coefficients).T


def smoothed_log_mel(coefficients: np.ndarray, n_mels: int) -> np.ndarray:
    """The log mel spectrum that cepstral coefficients describe (the inverse DCT of the kept
    ones: the spectral envelope, without the fine detail of the dropped ones)."""
    return coefficients @ _dct_basis(n_mels, coefficients.shape[-1])


def _dct_basis(n_mels: int, n_coefficients: int) -> np.ndarray:
    k = np.arange(n_coefficients)[:, None]
    basis = np.cos(np.pi / n_mels * (np.arange(n_mels)[None, :] + 0.5) * k) * np.sqrt(2.0 / n_mels)
    basis[0] /= np.sqrt(2.0)
    return basis


# ------------------------------------------------------------------------------------- viterbi


def viterbi(log_likelihoods: np.ndarray, change_cost: float, entry_cost: np.ndarray | None = None) -> np.ndarray:
    """The most likely state per frame when every change of state costs `change_cost` (nats),
    plus entry_cost[j] for a change into state j (or for starting in it), and staying costs
    nothing.
    (n, states) in, (n,) state indices out."""
    n, states = log_likelihoods.shape
    if n == 0:
        return np.zeros(0, dtype=int)
    extra = [0.0] * states if entry_cost is None else [float(c) for c in entry_cost]
    enter = [change_cost + c for c in extra]
    back = np.zeros((n, states), dtype=np.int32)
    rows = log_likelihoods.tolist()  # plain floats: a Python loop over them beats numpy per frame
    score = [value - c for value, c in zip(rows[0], extra)]  # starting in a state enters it too
    for t in range(1, n):
        best = max(range(states), key=score.__getitem__)
        top = score[best]
        row, back_row = rows[t], back[t]
        new = [0.0] * states
        for j in range(states):
            switch = top - enter[j]
            if score[j] >= switch:
                new[j] = score[j] + row[j]
                back_row[j] = j
            else:
                new[j] = switch + row[j]
                back_row[j] = best
        score = new
    path = np.zeros(n, dtype=int)
    path[-1] = int(np.argmax(score))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


# ------------------------------------------------------------------------------- resegmentation


def resegment(
    log_mel: np.ndarray,
    frame_s: float,
    regions: list[tuple[float, float]],
    turns: list[Turn],
    n_speakers: int,
    options: SpeakerOptions = SpeakerOptions(),
) -> list[Turn]:
    """Turns decided frame by frame inside `regions` (the VAD's speech).

    log_mel: (n_frames, n_mels) natural-log mel energies of the recording from time 0, one
    every frame_s (frames outside the regions and their surroundings may be anything: they are
    not read). `turns` are the first pass's, with speakers 0..n_speakers-1. Frames of speech
    the first pass gave nobody, and the surroundings of the regions, teach the "nobody" model.

    States: each voice alone, two voices at once (with reseg_overlap, within
    reseg_overlap_reach_s of a speaker change: the first pass's, or one an earlier decoding
    found), and nobody. A frame may change voice freely near a first-pass change
    (reseg_boundary_s) or near the edges of its region (reseg_edge_s); elsewhere it keeps the
    first pass's voice or becomes nobody's while the models learn, and in the last decoding
    another voice costs reseg_far_cost per frame. The two-voice model is made from the two
    voices' own models added in power (both_at_once), so no overlap training data is needed.

    Returns turns sorted by start, inside the regions; turns of different speakers overlap
    where two voices sound at once; pauses the first pass gave to a speaker may now belong to
    nobody. Falls back to `turns` when a speaker has too little speech to learn a model from.
    """
    if n_speakers < 2 or not turns or not regions:
        return turns
    n = len(log_mel)
    features = cepstra(np.asarray(log_mel, dtype=np.float64), options.reseg_cepstra)
    inside = _mask(regions, n, frame_s)
    labels = np.full(n, -1)
    for turn in turns:
        labels[_frame(turn.start, frame_s, n) : _frame(turn.end, frame_s, n)] = turn.speaker
    labels[~inside] = -1
    around = _mask([(s - options.reseg_context_s, e + options.reseg_context_s) for s, e in regions], n, frame_s)
    nobody = around & (labels < 0)
    min_frames = round(options.reseg_min_speech_s / frame_s)
    if any(np.count_nonzero(labels == k) < min_frames for k in range(n_speakers)):
        return turns
    # Cepstral mean normalisation over the frames in play: the room's and microphone's
    # colouring is the same for everybody, and leaves the models free to learn the voices.
    used = inside | nobody
    mean = features[used].mean(axis=0)
    features = features - mean
    scored = np.flatnonzero(inside)
    x = features[scored]
    quiet = nobody if np.count_nonzero(nobody) >= min_frames and options.reseg_nobody else np.zeros(n, dtype=bool)
    current = labels[scored]
    reach = round(options.reseg_boundary_s / frame_s)
    edges = _near_region_edges(scored, round(options.reseg_edge_s / frame_s))
    allowed = _allowed(current, n_speakers, reach, edges)
    overlap_reach = round(options.reseg_overlap_reach_s / frame_s)
    near = np.zeros(len(scored), dtype=bool)
    pairs = [(i, j) for i in range(n_speakers) for j in range(i + 1, n_speakers)] if options.reseg_overlap else []
    # State order: voices 0..K-1, then pairs, then nobody (if there is room tone to learn it).
    active = np.zeros((len(scored), n_speakers), dtype=bool)
    above_room = _above_room(log_mel, quiet, options.reseg_voice_above_room_pct)
    for iteration in range(options.reseg_iterations):
        # Two voices at once are looked for near a change: the first pass's, and any a decoding
        # found that its windows missed (a turn that begins under the other voice and ends its
        # region), so a later decoding looks there too.
        near |= _near_changes(current, overlap_reach)
        own = [_louder_than_room(_frames_of(scored, current == k, n), above_room, min_frames)
               for k in range(n_speakers)]
        voices = [_fit(features, own[k], options) for k in range(n_speakers)]
        columns = [voice.log_likelihood(x) for voice in voices]
        room = log_mel[quiet].mean(axis=0, dtype=np.float64) if quiet.any() else None
        for i, j in pairs:
            columns.append(both_at_once(voices[i], voices[j], mean, room, log_mel.shape[1]).log_likelihood(x))
        if quiet.any():
            columns.append(_fit(features, quiet, options).log_likelihood(x))
        log_likelihoods = np.stack(columns, axis=1) * options.reseg_acoustic_scale
        # The models learn from the first pass's voices where its windows agreed; only the
        # last decoding lets a voice the models hear clearly take such frames, at a price.
        last = iteration == options.reseg_iterations - 1
        log_likelihoods[:, :n_speakers][~allowed] -= options.reseg_far_cost if last else 1e9
        if pairs:
            log_likelihoods[:, n_speakers : n_speakers + len(pairs)][~near] = -1e9
        entry = np.zeros(log_likelihoods.shape[1])
        entry[n_speakers : n_speakers + len(pairs)] = options.reseg_overlap_cost
        path = np.empty(len(scored), dtype=int)
        # Each region is decoded on its own: a change across a pause costs nothing.
        for a, b in _runs_of_consecutive(scored):
            path[a:b] = viterbi(log_likelihoods[a:b], options.reseg_change_cost, entry)
        active = np.zeros((len(scored), n_speakers), dtype=bool)
        for k in range(n_speakers):
            active[:, k] = path == k
        for p, (i, j) in enumerate(pairs):
            both = path == n_speakers + p
            active[both, i] = active[both, j] = True
        current = np.where(path < n_speakers, path, -1)
        if any(np.count_nonzero(current == k) < min_frames for k in range(n_speakers)):
            return turns  # a voice vanished: trust the first pass
        if quiet.any():
            quiet = nobody | _frames_of(scored, ~active.any(axis=1), n)
    found = [t for k in range(n_speakers) for t in _to_turns(scored, np.where(active[:, k], k, -1), frame_s, options)]
    return sorted(_clip(found, regions), key=lambda t: (t.start, t.speaker))


def both_at_once(a: Gmm, b: Gmm, mean: np.ndarray, room: np.ndarray | None, n_mels: int) -> Gmm:
    """Two voices at once, from the two voices' own models: every pair of their components,
    each mean turned back into a log mel spectrum, added in power (two sources add in power),
    the room's noise (`room`, its mean log mel frame) taken off once since each brought its own,
    and turned into cepstra again. Each keeps the louder component's variances and the product
    of the weights. `mean` is what was taken off the cepstra (cepstral mean normalisation).

    Learned from random frames of each voice added together instead, one small mixture smeared
    over every pairing of sounds; this one keeps each pairing sharp."""
    n_cepstra = a.means.shape[1]
    spectra_a = smoothed_log_mel(a.means + mean, n_mels)  # (ca, n_mels)
    spectra_b = smoothed_log_mel(b.means + mean, n_mels)
    power = np.exp(spectra_a)[:, None, :] + np.exp(spectra_b)[None, :, :]
    if room is not None:
        noise = np.exp(smoothed_log_mel(cepstra(room[None, :], n_cepstra), n_mels))[0]
        power = np.maximum(power - noise, noise)
    means = cepstra(np.log(power), n_cepstra).reshape(-1, n_cepstra) - mean
    a_louder = spectra_a.sum(axis=1)[:, None] >= spectra_b.sum(axis=1)[None, :]
    variances = np.where(a_louder[:, :, None], a.variances[:, None, :], b.variances[None, :, :])
    log_weights = a.log_weights[:, None] + b.log_weights[None, :]
    return Gmm(log_weights.reshape(-1), means, variances.reshape(-1, n_cepstra))


def _above_room(log_mel: np.ndarray, room: np.ndarray, percentile: float) -> np.ndarray:
    """Frames louder than `percentile` of the room without speech (`room`), over all bands."""
    if not room.any() or percentile <= 0:
        return np.ones(len(log_mel), dtype=bool)
    energy = _logsumexp(np.asarray(log_mel, dtype=np.float64), axis=1)
    return energy > np.percentile(energy[room], percentile)


def _louder_than_room(frames: np.ndarray, above_room: np.ndarray, min_frames: int) -> np.ndarray:
    """The frames a voice's model learns from: its own, less the pauses inside its turns,
    which are the room's tone (a model that learned them took everybody's pauses). A voice
    so quiet that too little is left keeps all its frames."""
    louder = frames & above_room
    return louder if np.count_nonzero(louder) >= min_frames else frames


def _allowed(first: np.ndarray, n_speakers: int, reach: int, edges: np.ndarray) -> np.ndarray:
    """(frames, speakers): which voices a frame may get freely. Far from any speaker change of
    the first pass only its own speaker (or nobody): the windows there agreed, and a frame model
    learned from a few seconds of a far-field voice is not the better judge (resegment lets it
    overrule them only at a price). Within `reach` frames of a change, and on the frames marked
    in `edges` (next to a pause, where the first pass may have missed a change), any voice."""
    allowed = _filled(first)[:, None] == np.arange(n_speakers)[None, :]
    allowed |= (_near_changes(first, reach) | edges)[:, None]
    return allowed


def _near_changes(labels: np.ndarray, reach: int) -> np.ndarray:
    """(frames,) mask of the frames within `reach` frames of a change of speaker in `labels`."""
    filled = _filled(labels)
    changes = np.flatnonzero(np.diff(filled) != 0) + 1
    if not len(changes):
        return np.zeros(len(labels), dtype=bool)
    here = np.arange(len(labels))
    position = np.searchsorted(changes, here)
    before = changes[np.clip(position - 1, 0, len(changes) - 1)]
    after = changes[np.clip(position, 0, len(changes) - 1)]
    return np.minimum(np.abs(here - before), np.abs(after - here)) <= reach


def _filled(labels: np.ndarray) -> np.ndarray:
    """Frames without a speaker (-1: nobody, the VAD's edges, two voices) get their nearest
    labelled frame's, so that only a change from one voice to another counts as a change."""
    labelled = np.flatnonzero(labels >= 0)
    if not len(labelled):
        return labels.copy()
    position = np.searchsorted(labelled, np.arange(len(labels)))
    left = labelled[np.clip(position - 1, 0, len(labelled) - 1)]
    right = labelled[np.clip(position, 0, len(labelled) - 1)]
    here = np.arange(len(labels))
    return labels[np.where(np.abs(here - left) <= np.abs(right - here), left, right)]


def _near_region_edges(scored: np.ndarray, reach: int) -> np.ndarray:
    """(len(scored),) mask of the frames within `reach` frames of the start or end of their run
    of consecutive frames (a VAD region): where a turn may begin or end after a pause without
    the first pass having seen a change there."""
    edge = np.zeros(len(scored), dtype=bool)
    if reach > 0:
        for a, b in _runs_of_consecutive(scored):
            edge[a : a + reach] = True
            edge[max(a, b - reach) : b] = True
    return edge


def _frames_of(scored: np.ndarray, which: np.ndarray, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[scored[which]] = True
    return mask


def _fit(features: np.ndarray, mask: np.ndarray, options: SpeakerOptions) -> Gmm:
    """A model from the masked frames, evenly thinned to reseg_max_train_frames (a 60-minute
    meeting has 180,000 frames; 20,000 describe a voice as well and take a tenth of the time)."""
    index = np.flatnonzero(mask)
    if len(index) > options.reseg_max_train_frames:
        index = index[np.linspace(0, len(index) - 1, options.reseg_max_train_frames).round().astype(int)]
    return fit_gmm(features[index], options.reseg_components, options.reseg_em_iterations)


def _to_turns(scored: np.ndarray, labels: np.ndarray, frame_s: float, options: SpeakerOptions) -> list[Turn]:
    """Runs of one speaker over consecutive frames as turns; runs shorter than
    reseg_min_run_s are dropped (a click, not a word), and pauses shorter than reseg_fill_s
    between two runs of one speaker are that speaker's (NIST's convention for speech)."""
    labels = _fill_pauses(labels, scored, round(options.reseg_fill_s / frame_s))
    turns: list[Turn] = []
    min_run = round(options.reseg_min_run_s / frame_s)
    change = np.flatnonzero((np.diff(labels) != 0) | (np.diff(scored) != 1)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(labels)]])
    for a, b in zip(starts.tolist(), ends.tolist()):
        if labels[a] >= 0 and b - a >= min_run:
            turns.append(Turn(round(float(scored[a] * frame_s), 3), round(float((scored[b - 1] + 1) * frame_s), 3),
                              int(labels[a])))
    return turns


def _clip(turns: list[Turn], regions: list[tuple[float, float]]) -> list[Turn]:
    """Turns cut to the region they lie in: a frame edge may fall up to half a frame outside."""
    regions = sorted(regions)
    starts = [s for s, _ in regions]
    out = []
    for turn in turns:
        i = max(0, np.searchsorted(starts, (turn.start + turn.end) / 2, side="right") - 1)
        start, end = max(turn.start, regions[i][0]), min(turn.end, regions[i][1])
        if end > start:
            out.append(Turn(round(start, 3), round(end, 3), turn.speaker))
    return out


def _fill_pauses(labels: np.ndarray, scored: np.ndarray, limit: int) -> np.ndarray:
    labels = labels.copy()
    for a, b in _runs_of_consecutive(scored):
        part = labels[a:b]
        speaking = np.flatnonzero(part >= 0)
        for left, right in zip(speaking, speaking[1:]):
            if 1 < right - left <= limit and part[left] == part[right]:
                part[left + 1 : right] = part[left]
    return labels


def _runs_of_consecutive(index: np.ndarray) -> list[tuple[int, int]]:
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(index)]])
    return list(zip(starts.tolist(), ends.tolist()))


def _frame(t: float, frame_s: float, n: int) -> int:
    return min(n, max(0, round(t / frame_s)))


def _mask(regions, n: int, frame_s: float) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for s, e in regions:
        mask[_frame(s, frame_s, n) : _frame(e, frame_s, n)] = True
    return mask
