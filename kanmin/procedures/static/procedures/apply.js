// The resident's application pages: fill the town from the postcode as it is typed, and let
// the send button be pressed once. The pages work without this script (the server fills the
// town when it is left empty, and a second send lands on the same confirmation).
(function () {
  "use strict";
  function digits(value) {
    var s = value.replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); });
    s = s.replace(/[〒\s\-‐－ー−]/g, "");
    return /^\d{7}$/.test(s) ? s : null;
  }
  function lookupBase() {
    var m = window.location.pathname.match(/^(.*\/apply\/)/);
    return m ? m[1] + "postcode/" : null;
  }
  document.addEventListener("DOMContentLoaded", function () {
    // A page shown again with problems: the summary is read out first, its links lead on.
    var summary = document.querySelector(".apply .error-summary[tabindex]");
    if (summary) summary.focus();
    var base = lookupBase();
    document.querySelectorAll("input[data-postcode-for]").forEach(function (input) {
      var town = document.getElementById(input.getAttribute("data-postcode-for"));
      var live = input.closest(".apply-part").querySelector("[aria-live]");
      var last = null;
      input.addEventListener("input", function () {
        var code = digits(input.value);
        if (!code || code === last || !town || !base) return;
        last = code;
        fetch(base + code + ".json", { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
          .then(function (res) {
            if (res.ok && !town.value.trim()) {
              town.value = res.data.address;
              if (live) live.textContent = res.data.address;
            } else if (!res.ok && live) {
              live.textContent = res.data.error || "";
            }
          })
          .catch(function () { /* the server fills the town on Continue */ });
      });
    });
    document.querySelectorAll("form").forEach(function (form) {
      var once = form.querySelector("button[data-once]");
      if (!once) return;
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) { event.preventDefault(); return; }
        form.dataset.sent = "1";
      });
    });
  });
})();
