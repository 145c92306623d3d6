// src/kernel.js without a browser: `node --test frontend/test/` (node >= 20; no npm packages needed).
// A fake WebSocket stands in for the server: it reports the subprotocol the server agreed to.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const source = readFileSync(new URL("../src/kernel.js", import.meta.url), "utf8");
const { Kernel, decodeV1, encodeV1 } = await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`);
const V1 = "v1.kernel.websocket.jupyter.org";

class FakeSocket {
  static agreed = V1;
  static made = [];
  static OPEN = 1;
  constructor(url, protocols) {
    Object.assign(this, { url, protocols, protocol: FakeSocket.agreed, readyState: 0, sent: [], closed: false });
    FakeSocket.made.push(this);
  }
  send(data) { this.sent.push(data); }
  close() { this.closed = true; this.readyState = 3; if (this.onclose) this.onclose(); }
  open() { this.readyState = 1; this.onopen(); }
}
globalThis.WebSocket = FakeSocket;

test("a message with buffers survives the v1 framing both ways", () => {
  const msg = { channel: "shell", header: { msg_id: "a", msg_type: "comm_msg" }, parent_header: {}, metadata: { v: 1 },
    content: { data: { method: "update", text: "ação" } } };
  const frame = encodeV1(msg, [new Uint8Array([1, 2, 3]), new Uint8Array(0)]);
  const back = decodeV1(frame);
  assert.deepEqual({ ...back, buffers: undefined }, { ...msg, buffers: undefined });
  assert.deepEqual(back.buffers.map((b) => [...new Uint8Array(b.buffer, b.byteOffset, b.byteLength)]), [[1, 2, 3], []]);
});

test("the page asks for v1 and sends what was queued, framed as v1, once the server agrees", () => {
  FakeSocket.agreed = V1;
  const kernel = new Kernel("ws://x/", "k1");
  const ws = FakeSocket.made.at(-1);
  assert.deepEqual(ws.protocols, [V1]);
  kernel.send("comm_info_request", { target_name: "jupyter.widget" });
  assert.equal(ws.sent.length, 0);
  ws.open();
  assert.equal(ws.sent.length, 1);
  assert.equal(decodeV1(ws.sent[0]).header.msg_type, "comm_info_request");
  kernel.dispose();
});

test("a server that does not agree to v1 is named in the console and the page is told it is gone", () => {
  FakeSocket.agreed = ""; // a server configured with kernel_ws_protocol = "": the legacy framing
  const states = [];
  const errors = [];
  const error = console.error;
  console.error = (...args) => errors.push(args.join(" "));
  try {
    const kernel = new Kernel("ws://x/", "k2");
    kernel.onConnection = (state) => states.push(state);
    const made = FakeSocket.made.length;
    kernel.send("comm_info_request", {});
    FakeSocket.made.at(-1).open();
    assert.deepEqual(states, ["gone"]);
    assert.ok(FakeSocket.made.at(-1).closed);
    assert.equal(FakeSocket.made.at(-1).sent.length, 0); // nothing sent in a framing the server would misread
    assert.equal(FakeSocket.made.length, made); // and no new tries
    assert.match(errors.join("\n"), /kernel_ws_protocol/);
  } finally {
    console.error = error;
  }
});
