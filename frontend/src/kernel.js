// A Jupyter kernel over one websocket, as Jupyter Server speaks it to a client that asks for no
// subprotocol: JSON text frames with a "channel" key; a message with binary buffers travels as one
// binary frame (uint32 count, uint32 offsets, the JSON, the buffers). Only what widgets need:
// comms (open, message, close), status and replies matched to the message that caused them, and
// reconnection after a dropped connection (the server keeps the session's messages meanwhile).

const uuid = () =>
  (crypto.randomUUID ? crypto.randomUUID() : "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
  })).replace(/-/g, "");

export { uuid };

function decode(data) {
  if (typeof data === "string") return JSON.parse(data);
  const view = new DataView(data);
  const n = view.getUint32(0);
  const offsets = [];
  for (let i = 0; i < n; i++) offsets.push(view.getUint32(4 * (i + 1)));
  offsets.push(data.byteLength);
  const msg = JSON.parse(new TextDecoder("utf-8").decode(data.slice(offsets[0], offsets[1])));
  msg.buffers = [];
  for (let i = 1; i < n; i++) msg.buffers.push(new DataView(data.slice(offsets[i], offsets[i + 1])));
  return msg;
}

function encode(msg, buffers) {
  const json = new TextEncoder().encode(JSON.stringify(msg));
  const parts = [json, ...buffers.map((b) => (b instanceof ArrayBuffer ? new Uint8Array(b)
    : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)))];
  const head = 4 * (parts.length + 1);
  const total = head + parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length);
  let at = head;
  parts.forEach((p, i) => {
    view.setUint32(4 * (i + 1), at);
    out.set(p, at);
    at += p.byteLength;
  });
  return out.buffer;
}

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

export class Kernel {
  constructor(wsUrl, kernelId) {
    this.id = kernelId;
    this.session = uuid();
    this.url = `${wsUrl}api/kernels/${encodeURIComponent(kernelId)}/channels?session_id=${this.session}`;
    this.comms = new Map();
    this.targets = new Map();
    this.callbacks = new Map();
    this.replies = new Map();
    this.queue = [];
    this.ws = null;
    this.tries = 0;
    this.closed = false;
    this.connect();
  }

  connect() {
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      this.tries = 0;
      const queued = this.queue.splice(0);
      for (const frame of queued) ws.send(frame);
    };
    ws.onmessage = (event) => {
      let msg;
      try {
        msg = decode(event.data);
      } catch (err) {
        console.error("workbench: unreadable kernel message", err);
        return;
      }
      this.dispatch(msg);
    };
    ws.onclose = () => {
      if (this.closed || this.tries >= 12) return;
      // Back off: 0.5 s, 1 s, 2 s ... up to 15 s between tries (a workshop's Wi-Fi drops and returns).
      const wait = Math.min(15000, 500 * 2 ** this.tries++);
      setTimeout(() => this.connect(), wait);
    };
    this.ws = ws;
  }

  dispose() {
    this.closed = true;
    if (this.ws) this.ws.close();
  }

  registerCommTarget(name, handler) { this.targets.set(name, handler); }

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
    const frame = buffers && buffers.length ? encode(msg, buffers) : JSON.stringify(msg);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
    else this.queue.push(frame);
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
