/*
 * Sign a petition statement with the voter's EDS key through NCALayer (no dependencies, no build).
 *
 * A form opts in with data attributes; nothing else is needed in the page:
 *
 *   <form method="post" data-eds
 *         data-eds-statement="<base64 of the statement bytes>"   (or data-eds-statement-field="name")
 *         data-eds-iin="900101300017"                            (optional: only this IIN's keys)
 *         data-eds-url="wss://127.0.0.1:13579"                   (optional; tests point it elsewhere)
 *         data-eds-locale="kk"                                   (NCALayer's window language)
 *         data-eds-cms-field="cms"                               (hidden input that receives the CMS)
 *         data-eds-demo="<dialog id>"                            (the demo only: recall/demo-ncalayer.js)
 *         data-eds-msg-unavailable="…" data-eds-msg-cancelled="…"
 *         data-eds-msg-wrong-key="…" data-eds-msg-error="…" data-eds-msg-signing="…">
 *     <input type="hidden" name="cms">
 *     <p data-eds-message hidden role="alert"></p>               (receives the messages above)
 *     <div data-eds-unavailable hidden>…how to install NCALayer…</div>   (optional)
 *     <button type="submit">…</button>
 *   </form>
 *
 * On submit it asks NCALayer (module kz.gov.pki.knca.basics, method sign, format "cms",
 * decode + encapsulate: an attached CMS over the statement's bytes) and, on success, puts the
 * base64 CMS into the hidden field and submits the form. An older NCALayer without the basics
 * module is asked through commonUtils.createCMSSignatureFromBase64 instead. The form's
 * data-eds-state tells where it is: connecting, signing, signed, unavailable, cancelled,
 * wrong_key or error. Protocol: github.com/sigex-kz/ncalayer-js-client (NCALayerClient).
 */
(() => {
  "use strict";

  const DEFAULT_URL = "wss://127.0.0.1:13579";
  // Signing keys of individuals: emailProtection + NCA's "individual" (sigex basicsSignerSignPerson).
  const DEFAULT_EKU = ["1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.1"];
  const CONNECT_TIMEOUT_MS = 5000;
  const HANDSHAKE_WAIT_MS = 1500;
  const SIGN_TIMEOUT_MS = 10 * 60 * 1000; // the voter picks a key and types its password
  const WRONG_KEY_CODES = ["EMPTY_KEY_LIST", "KEY_NOT_FOUND", "CERTIFICATE_NOT_FOUND"];

  class EdsFailure extends Error {
    constructor(kind, detail) {
      super(detail || kind);
      this.kind = kind; // unavailable | cancelled | wrong_key | error
    }
  }

  function settings(form) {
    const d = form.dataset;
    let statement = d.edsStatement || "";
    if (!statement && d.edsStatementField) {
      const field = form.elements.namedItem(d.edsStatementField);
      statement = field ? field.value : "";
    }
    const eku = d.edsEku === undefined ? DEFAULT_EKU : d.edsEku.split(",").map((s) => s.trim()).filter(Boolean);
    return {
      url: d.edsUrl || DEFAULT_URL,
      statement: statement.replace(/\s+/g, ""),
      iin: (d.edsIin || "").replace(/\D/g, ""),
      locale: d.edsLocale || document.documentElement.lang || "ru",
      cmsField: d.edsCmsField || "cms",
      demo: d.edsDemo || "",
      eku,
    };
  }

  // One WebSocket conversation: open, wait for NCALayer's greeting, then request/response.
  class Connection {
    constructor(url) {
      this.url = url;
      this.socket = null;
      this.pending = null;
      this.greeted = null;
    }

    open() {
      return new Promise((resolve, reject) => {
        let socket;
        try {
          socket = new WebSocket(this.url);
        } catch (err) {
          reject(new EdsFailure("unavailable", String(err)));
          return;
        }
        this.socket = socket;
        let opened = false;
        const timer = setTimeout(() => {
          if (!opened) {
            socket.close();
            reject(new EdsFailure("unavailable", "timeout"));
          }
        }, CONNECT_TIMEOUT_MS);
        // NCALayer greets every connection with {"result": {"version": "…"}}.
        this.greeted = new Promise((greet) => {
          this.greet = greet;
        });
        socket.onopen = () => {
          opened = true;
          clearTimeout(timer);
          resolve();
        };
        socket.onerror = () => {
          clearTimeout(timer);
          if (!opened) reject(new EdsFailure("unavailable", "connection refused"));
          else this.fail(new EdsFailure("unavailable", "connection error"));
        };
        socket.onclose = () => {
          clearTimeout(timer);
          if (!opened) reject(new EdsFailure("unavailable", "closed"));
          else this.fail(new EdsFailure("unavailable", "NCALayer closed the connection"));
        };
        socket.onmessage = (event) => this.receive(event.data);
      });
    }

    receive(text) {
      if (text === "--heartbeat--") return;
      let message;
      try {
        message = JSON.parse(text);
      } catch (err) {
        this.fail(new EdsFailure("error", "not JSON"));
        return;
      }
      if (message && message.result && message.result.version && !this.pending) {
        this.greet(message.result.version);
        return;
      }
      if (this.pending) {
        const { resolve } = this.pending;
        this.pending = null;
        resolve(message);
      }
    }

    fail(error) {
      if (this.pending) {
        const { reject } = this.pending;
        this.pending = null;
        reject(error);
      }
    }

    async ready() {
      // An NCALayer that does not greet still answers requests: do not wait forever.
      await Promise.race([this.greeted, new Promise((resolve) => setTimeout(resolve, HANDSHAKE_WAIT_MS))]);
    }

    request(payload) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => this.fail(new EdsFailure("error", "no answer")), SIGN_TIMEOUT_MS);
        this.pending = {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        this.socket.send(JSON.stringify(payload));
      });
    }

    close() {
      if (this.socket) {
        this.socket.onclose = null;
        this.socket.onerror = null;
        this.socket.close();
      }
    }
  }

  function basicsRequest(options) {
    const signerParams = { extKeyUsageOids: options.eku };
    if (options.iin) signerParams.iin = options.iin;
    return {
      module: "kz.gov.pki.knca.basics",
      method: "sign",
      args: {
        allowedStorages: null,
        format: "cms",
        data: options.statement,
        signingParams: { decode: true, encapsulate: true, digested: false },
        signerParams,
        locale: options.locale,
      },
    };
  }

  function commonUtilsRequest(options) {
    return {
      module: "kz.gov.pki.knca.commonUtils",
      method: "createCMSSignatureFromBase64",
      args: ["PKCS12", "SIGNATURE", options.statement, true],
    };
  }

  // The CMS from a basics answer: {"status": true, "body": {"result": [cms] | cms | {signatures}}}.
  function fromBasics(answer) {
    if (!answer.status) {
      const code = String(answer.code || "");
      const kind = WRONG_KEY_CODES.includes(code) ? "wrong_key" : "error";
      throw new EdsFailure(kind, `${code}: ${answer.message || ""} ${answer.details || ""}`.trim());
    }
    const body = answer.body || {};
    if (!Object.prototype.hasOwnProperty.call(body, "result")) {
      throw new EdsFailure("cancelled", "cancelled by user");
    }
    let result = body.result;
    if (result && !Array.isArray(result) && typeof result === "object" && result.signatures) {
      result = result.signatures;
    }
    const cms = Array.isArray(result) ? result[0] : result;
    if (typeof cms !== "string" || !cms) throw new EdsFailure("error", "empty signature");
    return cms;
  }

  // The CMS from a commonUtils answer: {"code": "200", "responseObject": cms}.
  function fromCommonUtils(answer) {
    if (String(answer.code) === "200" && typeof answer.responseObject === "string") {
      return answer.responseObject;
    }
    const message = String(answer.message || "");
    if (/cancel/i.test(message)) throw new EdsFailure("cancelled", message);
    throw new EdsFailure("error", `${answer.code}: ${message}`);
  }

  async function sign(options, form) {
    // The demo of `make run` plays NCALayer with its own keys (recall/static/recall/demo-ncalayer.js).
    if (options.demo && window.RecallDemoNCALayer) return window.RecallDemoNCALayer.sign(options, form);
    const connection = new Connection(options.url);
    await connection.open();
    try {
      await connection.ready();
      const answer = await connection.request(basicsRequest(options));
      if (answer && Object.prototype.hasOwnProperty.call(answer, "status")) {
        return fromBasics(answer);
      }
      // No "status": an NCALayer without the basics module answered in commonUtils' form.
      return fromCommonUtils(await connection.request(commonUtilsRequest(options)));
    } finally {
      connection.close();
    }
  }

  const FAILURES = {
    unavailable: "edsMsgUnavailable",
    cancelled: "edsMsgCancelled",
    wrong_key: "edsMsgWrongKey",
    error: "edsMsgError",
  };

  function show(form, kind, detail) {
    form.dataset.edsState = kind;
    if (detail) form.dataset.edsDetail = detail;
    else delete form.dataset.edsDetail;
    const box = form.querySelector("[data-eds-message]");
    // A failure always says something (the generic error text if the page gave no better one);
    // "signing" only if the page gave a text for it; the other states clear the message.
    let text = "";
    if (FAILURES[kind]) text = form.dataset[FAILURES[kind]] || form.dataset.edsMsgError || "";
    else if (kind === "signing") text = form.dataset.edsMsgSigning || "";
    if (box) {
      box.textContent = text;
      box.hidden = !text;
    }
    const install = form.querySelector("[data-eds-unavailable]");
    if (install) install.hidden = kind !== "unavailable";
  }

  function setBusy(form, busy) {
    form.querySelectorAll('button[type="submit"], input[type="submit"]').forEach((button) => {
      button.disabled = busy;
    });
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  async function onSubmit(event) {
    const form = event.currentTarget;
    const options = settings(form);
    const field = form.elements.namedItem(options.cmsField);
    if (!field) return; // misconfigured: let the server answer
    if (field.value) return; // already signed: this is the real submission
    event.preventDefault();
    if (form.dataset.edsState === "connecting" || form.dataset.edsState === "signing") return;
    if (!options.statement) {
      show(form, "error", "no statement");
      return;
    }
    setBusy(form, true);
    show(form, "connecting");
    try {
      const pending = sign(options, form);
      show(form, "signing");
      const cms = await pending;
      field.value = cms.replace(/\s+/g, "");
      show(form, "signed");
      setBusy(form, false);
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    } catch (err) {
      setBusy(form, false);
      const known = err instanceof EdsFailure || (err && Object.prototype.hasOwnProperty.call(FAILURES, err.kind));
      show(form, known ? err.kind : "error", String(err && err.message));
    }
  }

  function init(root) {
    (root || document).querySelectorAll("form[data-eds]").forEach((form) => {
      if (form.dataset.edsBound) return;
      form.dataset.edsBound = "1";
      form.addEventListener("submit", onSubmit);
    });
  }

  window.RecallEds = { init, sign, DEFAULT_URL };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => init());
  else init();
})();
