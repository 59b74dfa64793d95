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
})();
