// Facilitator pages (Voila's own frontend): say when the page has lost its kernel, as the participant
// pages do (frontend/src/kernel.js). Voila's kernel connection tries again by itself but tells the page
// nothing, so this watches the kernel websockets it opens. The views' connection notice
// (workbench/ui/_base.py) shows while <body> has the class wb-offline (trying again) or wb-gone (only a
// reload can help: the kernel is no longer on the server, or the tries ran out).
(() => {
  const Native = window.WebSocket;
  const CHANNELS = /\/api\/kernels\/[^/]+\/channels$/;
  // Voila's connection (JupyterLab's KernelConnection) tries 7 times after a drop, then stops.
  const GIVE_UP_AFTER = 8;
  let failures = 0;
  let leaving = false;
  const show = (state) => {
    document.body.classList.toggle("wb-offline", state === "offline");
    document.body.classList.toggle("wb-gone", state === "gone");
  };
  const gone = () => document.body.classList.contains("wb-gone");

  class WatchedWebSocket extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      const where = new URL(String(url), window.location.href);
      if (!CHANNELS.test(where.pathname)) return;
      const resource = where.pathname.replace(/\/channels$/, "");
      this.addEventListener("open", () => {
        failures = 0;
        show("online");
      });
      this.addEventListener("close", () => {
        if (leaving || gone()) return;
        failures += 1;
        show(failures >= GIVE_UP_AFTER ? "gone" : "offline");
        fetch(resource, { credentials: "same-origin", cache: "no-store" })
          .then((response) => { if (response.status === 404 && !leaving) show("gone"); })
          .catch(() => {}); // no answer: still offline
      });
    }
  }
  window.WebSocket = WatchedWebSocket;
  window.addEventListener("pagehide", () => { leaving = true; });
})();
