// The counter desk: every few seconds, fetch this page again and put its lists of residents
// on hold and waiting in place of the ones shown, unless the clerk is working in them (the
// keyboard focus is inside), so nobody loses their place. Without JavaScript the page reloads
// itself (a <noscript> refresh); ?refresh=0 stops both.
(function () {
  "use strict";
  var box = document.getElementById("desk-queue");
  if (!box || !box.hasAttribute("data-interval")) return;
  var interval = parseInt(box.getAttribute("data-interval"), 10) || 10000;
  function busy() { return box.contains(document.activeElement); }
  function poll() {
    if (busy()) { window.setTimeout(poll, interval); return; }
    fetch(window.location.href, {
      headers: { Accept: "text/html" }, cache: "no-store", credentials: "same-origin"
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("desk-queue");
        if (fresh && !busy()) box.innerHTML = fresh.innerHTML;
        window.setTimeout(poll, interval);
      })
      .catch(function () { window.setTimeout(poll, interval * 3); });
  }
  window.setTimeout(poll, interval);
})();
