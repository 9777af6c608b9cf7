// Django's two-box selector (SelectFilter2.js) draws a search icon as a <span> with an
// aria-label, which ARIA does not allow on an element without a role: give it role="img".
// Run after the admin's own load handlers (this script is loaded before the form's media).
window.addEventListener("load", () => {
  setTimeout(() => {
    for (const icon of document.querySelectorAll("span.help-tooltip[aria-label]:not([role])")) {
      icon.setAttribute("role", "img");
    }
  }, 0);
});
