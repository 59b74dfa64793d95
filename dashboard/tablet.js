// A page on a narrow screen (a tablet at 768 px). (dashboard/server.py adds this script to the page.)
(function () {
  "use strict";
  const NARROW_PX = 1000;  // as the reflow rule in dashboard/app.py

  // The open sidebar takes a third of a tablet's screen from the page, squeezing its figures,
  // pickers and tables. Choosing a page in it closes it again, as Streamlit does on a phone.
  document.addEventListener("click", (event) => {
    if (window.innerWidth >= NARROW_PX || !event.target.closest('[data-testid="stSidebarNav"] a')) return;
    setTimeout(() => {  // after Streamlit has taken the click and changed page
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (close) close.click();
    }, 0);
  });

  // A plain table with more columns than the screen is wide scrolls sideways inside its box. The
  // box then takes keyboard focus, so the arrow keys scroll it too (WCAG 2.1.1), and says what it is.
  const NAME = "Tabel: rul til siden for at se alle kolonner";
  const reachable = () => {
    for (const box of document.querySelectorAll('[data-testid="stTable"] > div')) {
      const wide = box.scrollWidth > box.clientWidth + 1;
      if (wide && box.getAttribute("aria-label") !== NAME) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", NAME);
      } else if (!wide && box.getAttribute("aria-label") === NAME) {
        ["tabindex", "role", "aria-label"].forEach((name) => box.removeAttribute(name));
      }
    }
  };
  let pending = false;
  const soon = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; reachable(); });
  };
  window.addEventListener("resize", soon);
  const start = () => new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
