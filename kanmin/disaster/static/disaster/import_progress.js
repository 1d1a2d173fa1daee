// Follow a file import while it runs; reload the page (with the result) when it is finished.
// Without JavaScript the page reloads itself instead (a <noscript> refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-import-status-url");
  var bar = document.getElementById("import-bar");
  var state = document.getElementById("import-state");
  var counts = document.getElementById("import-processed");
  var processedTemplate = counts ? counts.getAttribute("data-template") : "";
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (data.finished) { window.location.reload(); return; }
        if (data.percent !== null) {
          bar.value = data.percent;
          bar.textContent = data.percent + "%";
          state.textContent = data.status_display + "… " + data.percent + "%";
        } else {
          state.textContent = data.status_display + "…";
        }
        if (counts && processedTemplate && data.total !== null) {
          counts.textContent = processedTemplate
            .replace("{processed}", data.processed)
            .replace("{total}", data.total);
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }
  window.setTimeout(poll, 1000);
})();
