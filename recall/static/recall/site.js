// The voters' pages' small behaviours, loaded as a file (the CSP allows no inline script).
// Everything here is an enhancement: the pages work without it.
(function () {
  "use strict";

  function focusErrorSummary() {
    // After a failed submit the summary takes the focus, so a screen reader announces it and a
    // keyboard user starts from the list of links to the fields.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
    document.querySelectorAll("[data-error-summary] a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (field) {
          event.preventDefault();
          field.focus();
          field.scrollIntoView({ block: "center" });
        }
      });
    });
  }

  function copyButtons() {
    // data-copy names the element whose text is copied (the receipt); data-copy-text is the
    // text itself (the petition's link).
    document.querySelectorAll("[data-copy], [data-copy-text]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy") || "");
      var text = button.getAttribute("data-copy-text") || (source ? source.textContent.trim() : "");
      var status = document.getElementById(button.getAttribute("aria-describedby") || "");
      if (!text || !navigator.clipboard) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(text).then(
          function () {
            if (status) status.textContent = button.getAttribute("data-copied");
          },
          function () {
            if (status) status.textContent = button.getAttribute("data-copy-failed");
          }
        );
      });
    });
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    copyButtons();
    printButtons();
  });
})();
