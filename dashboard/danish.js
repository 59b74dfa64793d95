// Streamlit's own words on the page, in Danish (dashboard/server.py adds this script to the page).
// Only Streamlit's words: text the app writes (Markdown, tables) is never touched, and a text is
// replaced only when it is exactly one of these.
(function () {
  "use strict";
  const WORDS = {
    "Skip to main content": "Gå til hovedindholdet",
    "Choose an option": "Vælg",
    "Choose options": "Vælg en eller flere",
    "No options to select": "Intet at vælge",
    "No results": "Ingen resultater",
    "Page not found": "Siden findes ikke",
    "Press Enter to apply": "Tryk Enter for at bruge teksten",
    "Press Enter to submit form": "Tryk Enter for at sende",
    "Press ⌘+Enter to apply": "Tryk ⌘+Enter for at bruge teksten",
    "Press Ctrl+Enter to apply": "Tryk Ctrl+Enter for at bruge teksten",
    "Running...": "Arbejder ...",
    "Close": "Luk",
    "Clear all": "Ryd alle",
    "Clear value": "Ryd",
    "Show password": "Vis adgangskode",
    "Hide password": "Skjul adgangskode",
    "Fullscreen": "Fuld skærm",
    "View fullscreen": "Vis i fuld skærm",
    "Exit fullscreen": "Luk fuld skærm",
    "Close fullscreen": "Luk fuld skærm",
    "Show data": "Vis data",
    "Search": "Søg",
    "Download": "Hent",
    "Collapse sidebar": "Skjul sidepanelet",
    "Expand sidebar": "Vis sidepanelet",
    "Open sidebar": "Vis sidepanelet",
    "Close sidebar": "Skjul sidepanelet",
    "View more": "Vis flere",
    "View less": "Vis færre",
    "Main menu": "Menu",
    "Rerun": "Genindlæs",
    "Settings": "Indstillinger",
    "Print": "Udskriv",
    "Connecting": "Forbinder",
    "Please wait...": "Vent venligst ...",
    "Select all": "Vælg alle",
    "Select row": "Vælg rækken",
    "Clear selection": "Ryd valget",
    "Open menu": "Åbn menuen",
    "Open": "Åbn",  // a dropdown's arrow (aria-label)
  };
  const PATTERNS = [
    [/^You have requested page \/?(.*), but no corresponding file was found in the app's pages\/ directory\. Running the app's main page\.$/,
     (_, page) => `Siden »${page}« findes ikke. Du ser forsiden i stedet.`],
    [/^The page that you have requested does not seem to exist\. Running the app's main page\.$/,
     () => "Siden findes ikke. Du ser forsiden i stedet."],
    [/^Help for (.+)$/, (_, what) => `Hjælp til ${what}`],
  ];
  const ATTRIBUTES = ["placeholder", "aria-label", "title"];

  function danish(text) {
    const trimmed = text.trim();
    if (!trimmed) return null;
    if (Object.prototype.hasOwnProperty.call(WORDS, trimmed)) return text.replace(trimmed, WORDS[trimmed]);
    for (const [pattern, make] of PATTERNS) {
      const found = trimmed.match(pattern);
      if (found) return make(...found);
    }
    return null;
  }

  function ours(node) {
    // What the app wrote: left exactly as it is.
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    return element && element.closest('[data-testid="stMarkdownContainer"], [data-testid="stDataFrame"]');
  }

  function translate(root) {
    if (root.nodeType === Node.TEXT_NODE) {
      const said = !ours(root) && danish(root.nodeValue);
      if (said) root.nodeValue = said;
      return;
    }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const said = !ours(node) && danish(node.nodeValue);
      if (said) node.nodeValue = said;
    }
    for (const element of [root, ...root.querySelectorAll("[placeholder], [aria-label], [title]")]) {
      for (const name of ATTRIBUTES) {
        const value = element.getAttribute(name);
        const said = value && danish(value);
        if (said) element.setAttribute(name, said);
      }
    }
  }

  function start() {
    translate(document.body);
    new MutationObserver((changes) => {
      for (const change of changes) {
        if (change.type === "characterData") translate(change.target);
        else if (change.type === "attributes") translate(change.target);
        else change.addedNodes.forEach(translate);
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true,
                                attributeFilter: ATTRIBUTES });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
