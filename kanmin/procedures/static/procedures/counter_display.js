// The counter display: fetch the numbers called every few seconds and announce new ones
// (aria-live). Without JavaScript the page reloads itself (a <noscript> refresh).
(function () {
  "use strict";
  var box = document.getElementById("counter-display");
  if (!box) return;
  var url = box.getAttribute("data-url");
  var interval = parseInt(box.getAttribute("data-interval"), 10) || 5000;
  var body = document.getElementById("display-called");
  var waiting = document.getElementById("display-waiting");
  var announce = document.getElementById("display-announce");
  var calledText = box.getAttribute("data-called-text");
  var waitingText = box.getAttribute("data-waiting-text");
  var noneText = box.getAttribute("data-none-text");
  function key(item) { return item.number + "@" + item.desk; }
  var shown = {};
  Array.prototype.forEach.call(body.querySelectorAll("tr"), function (row) {
    var cells = row.querySelectorAll("td");
    if (cells.length === 2) shown[cells[0].textContent + "@" + cells[1].textContent] = true;
  });
  function cell(row, text, className) {
    var td = document.createElement("td");
    td.className = className;
    td.textContent = text;
    row.appendChild(td);
  }
  function render(data) {
    var fresh = [];
    var next = {};
    while (body.firstChild) body.removeChild(body.firstChild);
    data.called.forEach(function (item, index) {
      var row = document.createElement("tr");
      if (index === 0) row.className = "latest";
      cell(row, String(item.number), "display-number");
      cell(row, item.desk, "display-desk");
      body.appendChild(row);
      next[key(item)] = true;
      if (!shown[key(item)]) fresh.push(item);
    });
    if (!data.called.length) {
      var empty = document.createElement("tr");
      var td = document.createElement("td");
      td.colSpan = 2;
      td.textContent = noneText;
      empty.appendChild(td);
      body.appendChild(empty);
    }
    shown = next;
    waiting.textContent = waitingText.replace("{count}", data.waiting);
    if (fresh.length) {
      announce.textContent = fresh.map(function (item) {
        return calledText.replace("{number}", item.number).replace("{desk}", item.desk);
      }).join(" ");
    }
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) { render(data); window.setTimeout(poll, interval); })
      .catch(function () { window.setTimeout(poll, interval * 3); });
  }
  window.setTimeout(poll, interval);
})();
