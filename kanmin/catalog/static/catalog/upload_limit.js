// Check a chosen file's size against the upload limit before anything is sent: a file that
// is too large is named with its size and the limit, and the form is not submitted.
(function () {
  "use strict";
  var form = document.querySelector("form[data-max-bytes]");
  if (!form) return;
  var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
  var input = form.querySelector("input[type=file]");
  var box = document.getElementById("upload-size-message");
  if (!limit || !input || !box) return;
  var template = box.getAttribute("data-template");
  input.insertAdjacentElement("afterend", box); // the message sits right below the file field

  function human(bytes) {
    var units = ["KB", "MB", "GB", "TB"];
    var value = bytes / 1024;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return value.toFixed(1) + "\u00a0" + units[unit];
  }

  function tooLarge() {
    var file = input.files && input.files[0];
    return file && file.size > limit ? file : null;
  }

  function show() {
    var file = tooLarge();
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== box.id;
    });
    if (file) {
      box.textContent = template.replace("{name}", file.name).replace("{size}", human(file.size));
      box.hidden = false;
      input.setAttribute("aria-invalid", "true");
      ids.push(box.id);
    } else {
      box.textContent = "";
      box.hidden = true;
      input.removeAttribute("aria-invalid");
    }
    input.setAttribute("aria-describedby", ids.join(" "));
    return file;
  }

  input.addEventListener("change", show);
  form.addEventListener("submit", function (event) {
    if (show()) {
      event.preventDefault();
      input.focus();
    }
  });
})();
