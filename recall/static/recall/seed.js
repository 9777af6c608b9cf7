// The initiative group's share of the random sample's seed (recall.ledger.sampling_draw):
// 32 random bytes drawn here, kept in this browser, and only their commitment
// SHA-256("recall-seed-commit/v1" 0x00 || party || 0x00 || share) sent to the server.
(function () {
  "use strict";
  var KEY = "recall-seed-share";
  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function commitment(party, share) {
    var prefix = new TextEncoder().encode("recall-seed-commit/v1");
    var name = new TextEncoder().encode(party);
    var data = new Uint8Array(prefix.length + 1 + name.length + 1 + share.length);
    data.set(prefix, 0);
    data.set(name, prefix.length + 1);
    data.set(share, prefix.length + 1 + name.length + 1);
    return crypto.subtle.digest("SHA-256", data).then(function (d) { return hex(new Uint8Array(d)); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.seed-commit");
    if (form && window.crypto && crypto.subtle) {
      var share = new Uint8Array(32);
      crypto.getRandomValues(share);
      commitment(form.dataset.party, share).then(function (value) {
        form.querySelector("input[name=value]").value = value;
        form.querySelector(".share").textContent = hex(share);
        form.querySelector(".seed-share").hidden = false;
        form.querySelector(".seed-no-js").hidden = true;
        form.querySelector("button").disabled = false;
        form.addEventListener("submit", function () {
          try { localStorage.setItem(KEY, hex(share)); } catch (e) { /* the share is on the page */ }
        });
      });
    }
    var reveal = document.querySelector("form.seed-reveal input[name=value]");
    if (reveal && !reveal.value) {
      try { reveal.value = localStorage.getItem(KEY) || ""; } catch (e) { /* typed by hand */ }
    }
  });
})();
