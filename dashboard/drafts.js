// A draft note on the page ("Kladde: ... ikke gemt endnu", dashboard/views/session.py and
// overview.py) would be lost by a reload or by closing the tab: the browser asks first.
// (dashboard/server.py adds this script to the page.)
(function () {
  "use strict";
  window.addEventListener("beforeunload", (event) => {
    if (!document.body || !document.body.innerText.includes("Kladde:")) return;
    event.preventDefault();
    event.returnValue = "";  // the browser shows its own "leave the page?" question
  });
})();
