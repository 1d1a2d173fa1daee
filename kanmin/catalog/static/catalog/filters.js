// The catalog's filters sit behind a disclosure button on narrow screens, so that the results
// come first; on wide screens they are shown open, beside the results.
(function () {
  "use strict";
  var filters = document.getElementById("catalog-filters");
  if (!filters || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 48rem)");
  function apply() { filters.open = wide.matches; }
  apply();
  if (wide.addEventListener) wide.addEventListener("change", apply);
})();
