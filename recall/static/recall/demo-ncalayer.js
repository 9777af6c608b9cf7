/*
 * The demo's stand-in for NCALayer (only on the demo of `make run`: DEBUG and RECALL_DEMO).
 *
 * recall/eds.js calls window.RecallDemoNCALayer.sign(options, form) when the EDS form carries
 * data-eds-demo="<id of a <dialog>>". The dialog lists the demo voters' keys; the voter picks
 * one, and the server signs the statement with it (POST data-sign-url, JSON {iin, statement}),
 * answering the CMS NCALayer would make. Cancel, or a key the server does not hold, fail the
 * way NCALayer's own answers do ("cancelled", "wrong_key").
 */
(() => {
  "use strict";

  function failure(kind, detail) {
    const error = new Error(detail || kind);
    error.kind = kind;
    return error;
  }

  function choose(dialog) {
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue), { once: true });
      dialog.showModal();
    });
  }

  async function sign(options, form) {
    const dialog = document.getElementById(form.dataset.edsDemo);
    if (!dialog) throw failure("unavailable", "no demo dialog");
    dialog.returnValue = "";
    if ((await choose(dialog)) !== "sign") throw failure("cancelled", "cancelled by user");
    const picked = dialog.querySelector('input[name="demo-key"]:checked');
    if (!picked) throw failure("wrong_key", "no key chosen");
    const token = form.querySelector('input[name="csrfmiddlewaretoken"]');
    const response = await fetch(dialog.dataset.signUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify({ iin: picked.value, statement: options.statement }),
    });
    if (response.status === 404) throw failure("wrong_key", "KEY_NOT_FOUND");
    if (!response.ok) throw failure("error", `demo signer answered ${response.status}`);
    const answer = await response.json();
    if (typeof answer.cms !== "string" || !answer.cms) throw failure("error", "empty signature");
    return answer.cms;
  }

  window.RecallDemoNCALayer = { sign };
})();
