// A Jupyter kernel over one websocket, as Jupyter Server speaks it: the "v1.kernel.websocket.jupyter.org"
// subprotocol, binary frames carrying the kernel's own message parts, which the server relays without
// decoding and re-encoding each message (on a 2-core laptop serving sixty pages that relaying is most of
// the server's own work; benchmarks/bench_arrivals.py). Jupyter Server 2 selects it whenever the page asks
// for it, unless configured otherwise (ZMQChannelsWebsocketConnection.kernel_ws_protocol = ""); the legacy
// JSON framing is not spoken here (frontend/README.md): a server that does not agree to v1 is told in the
// console and the page shows its "reload" notice. Only what widgets need: comms (open, message, close),
// status and replies matched to the message that caused them, and reconnection after a dropped
// connection (the server keeps the session's messages meanwhile).

const V1 = "v1.kernel.websocket.jupyter.org";

const uuid = () =>
  (crypto.randomUUID ? crypto.randomUUID() : "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
  })).replace(/-/g, "");

export { uuid };

const utf8 = new TextDecoder("utf-8");
const toUtf8 = new TextEncoder();
const bytesOf = (b) => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

// v1: uint64 LE count of offsets, the offsets (uint64 LE), then the channel name and the message parts
// (header, parent header, metadata, content, buffers...); offset 0 is where the channel starts, the
// last offset where the last part ends (jupyter_server.services.kernels.connection.base).
function decodeV1(data) {
  const view = new DataView(data);
  const n = Number(view.getBigUint64(0, true));
  const offsets = [];
  for (let i = 0; i < n; i++) offsets.push(Number(view.getBigUint64(8 * (i + 1), true)));
  const part = (i) => new Uint8Array(data, offsets[i], offsets[i + 1] - offsets[i]);
  const json = (i) => JSON.parse(utf8.decode(part(i)));
  const msg = { channel: utf8.decode(part(0)), header: json(1), parent_header: json(2), metadata: json(3),
    content: json(4), buffers: [] };
  for (let i = 5; i < n - 1; i++) msg.buffers.push(new DataView(data.slice(offsets[i], offsets[i + 1])));
  return msg;
}

function encodeV1(msg, buffers) {
  const parts = [msg.channel, msg.header, msg.parent_header, msg.metadata, msg.content]
    .map((x, i) => toUtf8.encode(i === 0 ? x : JSON.stringify(x)));
  parts.push(...buffers.map(bytesOf));
  const head = 8 * (parts.length + 2);
  const out = new Uint8Array(head + parts.reduce((s, p) => s + p.byteLength, 0));
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(parts.length + 1), true);
  let at = head;
  parts.forEach((p, i) => {
    view.setBigUint64(8 * (i + 1), BigInt(at), true);
    out.set(p, at);
    at += p.byteLength;
  });
  view.setBigUint64(8 * (parts.length + 1), BigInt(at), true);
  return out.buffer;
}

export { decodeV1, encodeV1 };

export class Comm {
  constructor(kernel, commId, targetName) {
    this.kernel = kernel;
    this.comm_id = commId;
    this.target_name = targetName;
    this._onMsg = null;
    this._onClose = null;
  }

  open(data, callbacks, metadata, buffers) {
    return this.kernel.send("comm_open", { comm_id: this.comm_id, target_name: this.target_name, data: data || {} },
      callbacks, metadata, buffers);
  }

  send(data, callbacks, metadata, buffers) {
    return this.kernel.send("comm_msg", { comm_id: this.comm_id, data }, callbacks, metadata, buffers);
  }

  close(data, callbacks, metadata, buffers) {
    const id = this.kernel.send("comm_close", { comm_id: this.comm_id, data: data || {} }, callbacks, metadata, buffers);
    this.kernel.comms.delete(this.comm_id);
    if (this._onClose) this._onClose({ content: { comm_id: this.comm_id, data: data || {} } });
    return id;
  }

  on_msg(callback) { this._onMsg = callback; }

  on_close(callback) { this._onClose = callback; }
}

const OPENED = "workbench:kernel-open";
const CAPTURED = new Set(["stream", "display_data", "execute_result", "error", "clear_output"]);
const MAX_TRIES = 12; // 0.5 s, 1 s, 2 s ... then every 15 s: about two minutes in all

export class Kernel {
  constructor(wsUrl, kernelId, baseUrl = "/") {
    this.id = kernelId;
    this.session = uuid();
    this.url = `${wsUrl}api/kernels/${encodeURIComponent(kernelId)}/channels?session_id=${this.session}`;
    this.resource = `${baseUrl}api/kernels/${encodeURIComponent(kernelId)}`;
    this.comms = new Map();
    this.targets = new Map();
    this.callbacks = new Map();
    this.replies = new Map();
    this.hooks = new Map(); // msg_id -> stack of hooks: what an Output widget captures (``with out:``)
    this.queue = [];
    this.ws = null;
    this.tries = 0;
    this.maxTries = MAX_TRIES;
    this.closed = false;
    this.down = false; // "offline" told, "online" not yet
    // Told "offline" when a connection drops or the first one fails, "online" when it is back, "gone"
    // when trying again cannot help (the page shows a notice; see workbench/ui/_base.py).
    this.onConnection = () => {};
    this.connect();
  }

  connect() {
    const ws = new WebSocket(this.url, [V1]);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      if (ws.protocol !== V1) {
        console.error(`workbench: the server did not agree to the ${V1} websocket protocol; `
          + "it may be configured with kernel_ws_protocol = \"\" (frontend/README.md)");
        this.closed = true;
        ws.close();
        this.onConnection("gone");
        return;
      }
      this.tries = 0;
      if (this.down) {
        this.down = false;
        this.onConnection("online");
      }
      // When the page first reached its kernel, on the page's own clock (the arrivals benchmark reads it).
      if (!performance.getEntriesByName(OPENED, "mark").length) performance.mark(OPENED);
      const queued = this.queue.splice(0);
      for (const [msg, buffers] of queued) ws.send(encodeV1(msg, buffers));
    };
    ws.onmessage = (event) => {
      let msg;
      try {
        msg = decodeV1(event.data);
      } catch (err) {
        console.error("workbench: unreadable kernel message", err);
        return;
      }
      this.dispatch(msg);
    };
    ws.onclose = () => {
      if (this.closed || ws !== this.ws) return;
      if (!this.down) {
        this.down = true;
        this.onConnection("offline");
      }
      if (this.tries >= 1) this.checkGone();
      if (this.tries >= this.maxTries) {
        this.onConnection("gone");
        return;
      }
      // Back off: 0.5 s, 1 s, 2 s ... up to 15 s between tries (a workshop's Wi-Fi drops and returns).
      const wait = Math.min(15000, 500 * 2 ** this.tries++);
      this.timer = setTimeout(() => this.connect(), wait);
    };
    this.ws = ws;
  }

  // After each failed try: is the kernel still there? A phone that slept past the culler's idle time comes
  // back to a kernel that was shut down; it can only reload (a new kernel), so say so now rather than
  // after two minutes of tries. Any answer but 404 (or no answer: still offline) keeps trying.
  checkGone() {
    fetch(this.resource, { credentials: "same-origin", cache: "no-store" }).then((response) => {
      if (response.status !== 404 || this.closed || (this.ws && this.ws.readyState === WebSocket.OPEN)) return;
      this.giveUp();
    }).catch(() => {});
  }

  // Stop trying: only a reload (a new kernel) can help. retryNow() still tries once more if asked.
  giveUp() {
    clearTimeout(this.timer);
    this.tries = this.maxTries;
    this.onConnection("gone");
  }

  // Try again now (the phone says it is online again), whether waiting between tries or given up.
  retryNow() {
    if (this.closed || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return;
    clearTimeout(this.timer);
    this.tries = Math.min(this.tries, this.maxTries - 1);
    this.connect();
  }

  dispose() {
    this.closed = true;
    if (this.ws) this.ws.close();
  }

  registerCommTarget(name, handler) { this.targets.set(name, handler); }

  // Outputs (stream, display data, errors, clear) whose parent is msgId go to the hook last registered
  // for it instead of the request's callbacks, as JupyterLab's kernel message hooks do for Output widgets.
  registerMessageHook(msgId, hook) {
    if (!this.hooks.has(msgId)) this.hooks.set(msgId, []);
    this.hooks.get(msgId).push(hook);
  }

  removeMessageHook(msgId, hook) {
    const stack = this.hooks.get(msgId);
    if (!stack) return;
    const at = stack.lastIndexOf(hook);
    if (at >= 0) stack.splice(at, 1);
    if (!stack.length) this.hooks.delete(msgId);
  }

  createComm(targetName, commId) {
    const comm = new Comm(this, commId || uuid(), targetName);
    this.comms.set(comm.comm_id, comm);
    return comm;
  }

  send(msgType, content, callbacks, metadata, buffers, channel = "shell") {
    const msgId = uuid();
    const msg = {
      header: { msg_id: msgId, msg_type: msgType, username: "", session: this.session, date: new Date().toISOString(),
        version: "5.3" },
      parent_header: {}, metadata: metadata || {}, content, channel, buffers: [],
    };
    if (callbacks) this.callbacks.set(msgId, callbacks);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeV1(msg, buffers || []));
    else this.queue.push([msg, buffers || []]);  // sent when the connection opens
    return msgId;
  }

  request(msgType, content) {
    return new Promise((resolve) => {
      const msgId = this.send(msgType, content);
      this.replies.set(msgId, resolve);
    });
  }

  dispatch(msg) {
    const parent = (msg.parent_header || {}).msg_id;
    const type = msg.header.msg_type;
    const callbacks = parent ? this.callbacks.get(parent) : undefined;
    if (msg.channel === "shell") {
      if (callbacks && callbacks.shell && callbacks.shell.reply) callbacks.shell.reply(msg);
      const resolve = this.replies.get(parent);
      if (resolve) {
        this.replies.delete(parent);
        resolve(msg);
      }
      return;
    }
    if (msg.channel !== "iopub") return;
    if (type === "status" && !parent && ["restarting", "dead"].includes(msg.content.execution_state)) {
      // The server's word that the kernel died (and was restarted empty, without this page's widgets).
      this.giveUp();
      return;
    }
    const hooks = parent && CAPTURED.has(type) ? this.hooks.get(parent) : undefined;
    if (hooks) {
      hooks[hooks.length - 1](msg);
      return;
    }
    if (type === "comm_open") {
      const handler = this.targets.get(msg.content.target_name);
      if (!handler) return;
      const comm = this.createComm(msg.content.target_name, msg.content.comm_id);
      Promise.resolve(handler(comm, msg)).catch((err) => console.error("workbench: comm_open failed", err));
    } else if (type === "comm_msg") {
      const comm = this.comms.get(msg.content.comm_id);
      if (comm && comm._onMsg) comm._onMsg(msg);
    } else if (type === "comm_close") {
      const comm = this.comms.get(msg.content.comm_id);
      this.comms.delete(msg.content.comm_id);
      if (comm && comm._onClose) comm._onClose(msg);
    } else if (callbacks && callbacks.iopub) {
      if (type === "status" && callbacks.iopub.status) callbacks.iopub.status(msg);
      else if (type !== "status" && callbacks.iopub.output) callbacks.iopub.output(msg);
    }
    if (type === "status" && callbacks && msg.content.execution_state === "idle") this.callbacks.delete(parent);
  }
}
