// Transskription: a click on a line of the transcript plays that line, as choosing it in
// "Afspil linje" does. The lines stay plain markdown (dashboard/views/transcript.py); this script,
// mounted as a Streamlit component without a frame, makes each one a button: a click, or Enter or
// Space on the focused line, sends the line's number back to the page. One Tab stop for all the
// lines (the chosen one); the arrow keys move between them, so a keyboard user need not Tab
// through two thousand lines to reach what comes after.
export default function (component) {
  const { data, setTriggerValue } = component;
  const LINES = '.st-key-transcript-lines [data-testid="stMarkdownContainer"] p';
  const state = (window.__medlytLines ??= {});
  state.lines = data.lines;  // segment number of each line shown, in order
  state.chosen = data.chosen;
  state.send = (line) => setTriggerValue("line", line);

  const all = () => [...document.querySelectorAll(LINES)];
  const decorate = () => {
    const lines = all();
    if (lines.length !== state.lines.length) return false;  // not drawn yet
    const focusable = Math.max(0, state.lines.indexOf(state.chosen));
    lines.forEach((p, i) => {
      p.setAttribute("role", "button");
      p.setAttribute("tabindex", i === focusable ? "0" : "-1");
      p.title = "Afspil linjen";
    });
    return true;
  };
  const play = (p) => {
    const lines = all();
    const i = lines.indexOf(p);
    if (i < 0 || lines.length !== state.lines.length) return;  // a line is a paragraph, or we do not know which
    lines.forEach((other) => other.setAttribute("tabindex", other === p ? "0" : "-1"));
    state.send(state.lines[i]);
  };

  if (!state.listening) {
    state.listening = true;
    document.addEventListener("click", (event) => {
      const p = event.target.closest(LINES);
      // Selecting text to copy it is not a click on the line.
      if (p && !String(window.getSelection() || "").trim()) play(p);
    });
    document.addEventListener("keydown", (event) => {
      const p = event.target.closest && event.target.closest(LINES);
      if (!p || event.target !== p) return;
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        play(p);
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const lines = all();
        const next = lines[lines.indexOf(p) + (event.key === "ArrowDown" ? 1 : -1)];
        if (next) {
          event.preventDefault();
          p.setAttribute("tabindex", "-1");
          next.setAttribute("tabindex", "0");
          next.focus();
        }
      }
    });
  }
  // The markdown may be drawn after this runs: try again on the next frames for a while.
  let tries = 0;
  const again = () => { if (!decorate() && ++tries < 100) requestAnimationFrame(again); };
  again();
}
