/*
 * The eGov Mobile page (recall/templates/recall/mobile.html): while the QR code and the deep link
 * are shown, ask the page itself every few seconds how the signing goes (POST "poll", JSON).
 * The server asks the QR signing service once per poll with a short timeout; "done" carries the
 * next page, "error" a message in the page's language. Without JavaScript, "I have signed" posts
 * the same poll.
 */
(() => {
  "use strict";

  const PAUSE_MS = 1500;

  function start(form) {
    const message = form.querySelector("[data-mobile-message]");
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    const say = (text) => {
      if (text) message.textContent = text;
    };
    const poll = async () => {
      let answer;
      try {
        const body = new FormData();
        body.append("poll", "1");
        const response = await fetch(window.location.href, {
          method: "POST",
          body,
          headers: { Accept: "application/json", "X-CSRFToken": token },
          credentials: "same-origin",
        });
        answer = await response.json();
      } catch (_error) {
        say(form.dataset.mobileMsgError);
        window.setTimeout(poll, PAUSE_MS * 4);
        return;
      }
      form.dataset.mobileState = answer.state;
      if (answer.state === "done") {
        window.location.assign(answer.next);
      } else if (answer.state === "error") {
        // This QR code is spent: say why, and offer a new one over the same statement.
        form.querySelectorAll(".mobile-qr, .mobile-link, [data-mobile-expiry], button[name=poll]").forEach((element) => {
          element.style.display = "none";
        });
        message.setAttribute("role", "alert");
        message.classList.replace("notice", "error-summary");
        message.textContent = answer.message;
        const again = document.createElement("a");
        again.className = "button";
        again.href = window.location.pathname;
        again.textContent = form.dataset.mobileMsgRestart;
        again.dataset.testid = "mobile-restart";
        form.append(again);
      } else {
        say(answer.state === "scanned" ? form.dataset.mobileMsgScanned : form.dataset.mobileMsgWaiting);
        window.setTimeout(poll, PAUSE_MS);
      }
    };
    window.setTimeout(poll, PAUSE_MS);
  }

  document.querySelectorAll("form[data-mobile-poll]").forEach(start);
})();
