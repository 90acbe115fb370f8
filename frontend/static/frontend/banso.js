/* Banso pages work without this file; it only adds conveniences. */
(function () {
  // Select-all checkboxes for bulk actions: <input type=checkbox data-select-all="name" hidden>.
  function setUpSelectAll(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (box) {
      if (box.dataset.ready) { return; }
      box.dataset.ready = "1";
      box.hidden = false;
      var label = document.querySelector("label[for='" + box.id + "']");
      if (label) { label.hidden = false; }
      box.addEventListener("change", function () {
        document.querySelectorAll("input[type=checkbox][name='" + box.dataset.selectAll + "']").forEach(function (item) {
          item.checked = box.checked;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary so that screen readers announce it first.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
    setUpSelectAll(document);
  });
  // Content swapped in by htmx gets the same conveniences.
  document.addEventListener("htmx:load", function (event) { setUpSelectAll(event.target); });
  // A region swapped in to be worked on (a reply template's text): its field takes the focus.
  document.addEventListener("htmx:load", function (event) {
    if (!event.target.matches || !event.target.matches("[data-focus-on-swap]")) { return; }
    var field = event.target.querySelector("textarea, input:not([type=hidden]), select");
    if (field) { field.focus(); }
  });
})();
