// The participant pages' frontend (Voila template workbench-lite): draws the page's ipywidgets from
// their kernel, and nothing else. Voila's own frontend is a JupyterLab application (about 5 MB of
// JavaScript in some 90 files); on a phone, or on the facilitator's laptop with sixty of them arriving
// at once, parsing it dominated the time to a usable page. This draws the same widgets with the
// ipywidgets packages themselves: the models and views of @jupyter-widgets/base and /controls, a
// small Output view, a kernel connection of our own (kernel.js).
//
// Outputs are Voila's: each cell output sits in the page as a <script type="application/vnd.voila.
// cell-output+json">; each is replaced by what it shows. Mime types drawn: widget views, HTML, SVG,
// PNG/JPEG, plain text, JavaScript (the page is the project's own trusted notebook, as in Voila).
import * as base from "@jupyter-widgets/base";
import { ManagerBase } from "@jupyter-widgets/base-manager";
// The controls the participant apps use come with the page; any other (a slider, a colour picker, media,
// ...) is fetched the first time a page shows one (loadClass), so every phone does not parse them all.
import * as bool from "@jupyter-widgets/controls/lib/widget_bool.js";
import * as box from "@jupyter-widgets/controls/lib/widget_box.js";
import * as button from "@jupyter-widgets/controls/lib/widget_button.js";
import * as core from "@jupyter-widgets/controls/lib/widget_core.js";
import * as date from "@jupyter-widgets/controls/lib/widget_date.js";
import * as description from "@jupyter-widgets/controls/lib/widget_description.js";
import * as float from "@jupyter-widgets/controls/lib/widget_float.js";
import * as int from "@jupyter-widgets/controls/lib/widget_int.js";
import * as selection from "@jupyter-widgets/controls/lib/widget_selection.js";
import * as selectioncontainer from "@jupyter-widgets/controls/lib/widget_selectioncontainer.js";
import * as string from "@jupyter-widgets/controls/lib/widget_string.js";
import * as upload from "@jupyter-widgets/controls/lib/widget_upload.js";
import { Widget } from "@lumino/widgets";

import { Kernel } from "./kernel.js";

const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
const PLACEHOLDER = "application/vnd.workbench.placeholder+html";
const OUTPUT = "@jupyter-widgets/output";
const CONTROL_TARGET = "jupyter.widget.control";
const CONTROL_VERSION = "1.0.0";
const STATES_WAIT_MS = 120000;

class OutputModel extends base.DOMWidgetModel {
  defaults() {
    return {
      ...super.defaults(),
      _model_name: "OutputModel", _view_name: "OutputView", _model_module: OUTPUT, _view_module: OUTPUT,
      _model_module_version: "1.0.0", _view_module_version: "1.0.0", msg_id: "", outputs: [],
    };
  }

  // ``with out:`` in the kernel sets msg_id to the message being handled (a click's comm message) and
  // back to "" after; the outputs in between come with that parent. The hook is set here, as the update
  // arrives, not when the (asynchronously deserialised) state changes: the outputs follow at once.
  _handle_comm_msg(msg) {
    const data = msg.content.data || {};
    if (data.method === "update" && data.state && "msg_id" in data.state) this.capture(data.state.msg_id);
    return super._handle_comm_msg(msg);
  }

  capture(msgId) {
    const kernel = this.widget_manager.kernel;
    if (this._capturing) kernel.removeMessageHook(this._capturing, this._hook);
    this._hook = this._hook || ((msg) => this.add(msg));
    this._capturing = msgId;
    if (msgId) kernel.registerMessageHook(msgId, this._hook);
  }

  // One captured output into ``outputs``, sent back to the kernel (so ``out.outputs`` there is what is shown,
  // as with JupyterLab's Output widget).
  add(msg) {
    const type = msg.header.msg_type;
    const content = msg.content;
    let outputs = this._clearNext ? [] : [...(this.get("outputs") || [])];
    this._clearNext = false;
    if (type === "clear_output") {
      if (content.wait) {
        this._clearNext = true; // cleared when the next output comes, so the area does not flicker
        return;
      }
      outputs = [];
    } else if (type === "stream") {
      const last = outputs[outputs.length - 1];
      if (last && last.output_type === "stream" && last.name === content.name) {
        outputs[outputs.length - 1] = { ...last, text: last.text + content.text };
      } else {
        outputs.push({ output_type: "stream", name: content.name, text: content.text });
      }
    } else if (type === "error") {
      outputs.push({ output_type: "error", ename: content.ename, evalue: content.evalue, traceback: content.traceback });
    } else {
      const output = { output_type: type, data: content.data || {}, metadata: content.metadata || {} };
      if (type === "execute_result") output.execution_count = content.execution_count;
      outputs.push(output);
    }
    this.set("outputs", outputs);
    this.save_changes();
  }
}

// What an Output widget holds (its ``outputs``: append_display_data, clear_output, outputs = ..., and what
// ``with out:`` captured in a callback).
class OutputView extends base.DOMWidgetView {
  render() {
    this.el.classList.add("jupyter-widgets", "widget-output");
    this.listenTo(this.model, "change:outputs", () => this.draw());
    this.draw();
  }

  draw() {
    this.el.textContent = "";
    for (const output of this.model.get("outputs") || []) {
      const host = document.createElement("div");
      this.el.appendChild(host);
      drawOutput(output, host, this.model.widget_manager);
    }
  }
}

const CONTROLS = "@jupyter-widgets/controls";
const MODULES = {
  "@jupyter-widgets/base": base,
  [CONTROLS]: { ...core, ...description, ...bool, ...box, ...button, ...date, ...float, ...int, ...selection,
    ...selectioncontainer, ...string, ...upload },
  [OUTPUT]: { OutputModel, OutputView },
};

class Manager extends ManagerBase {
  constructor(kernel) {
    super();
    this.kernel = kernel;
    kernel.registerCommTarget(this.comm_target_name, (comm, msg) => this.handle_comm_open(comm, msg));
  }

  async loadClass(className, moduleName) {
    let module = MODULES[moduleName];
    if (moduleName === CONTROLS && module && !module[className]) {
      module = await import("@jupyter-widgets/controls"); // the rest of the controls, one file, once
    }
    if (!module || !module[className]) throw new Error(`workbench: no widget ${moduleName}.${className} here`);
    return module[className];
  }

  async _create_comm(targetName, modelId, data, metadata, buffers) {
    const comm = this.kernel.createComm(targetName, modelId);
    if (data || metadata) comm.open(data, undefined, metadata, buffers);
    return comm;
  }

  async _get_comm_info() {
    const reply = await this.kernel.request("comm_info_request", { target_name: this.comm_target_name });
    return reply.content.comms || {};
  }

  load() {
    if (!this._loaded) this._loaded = this._loadFromKernel();
    return this._loaded;
  }

  // Every widget's state in one message, over ipywidgets' control comm. The base class does the same but
  // gives the kernel 4 s from the moment it asks, and its clock starts while the page's websocket is
  // still connecting: with sixty pages arriving on a 2-core laptop nearly every page ran out of time and
  // fell back to asking for each widget separately (measured: 56 of 60 pages), so the kernel built every
  // state twice and the server relayed ~100 more messages per page. Here the kernel gets STATES_WAIT_MS;
  // only a kernel without the control comm (ipywidgets 7: it closes the comm) is asked widget by widget.
  async _loadFromKernel() {
    const comm = this.kernel.createComm(CONTROL_TARGET);
    let reply;
    try {
      reply = await new Promise((resolve, reject) => {
        comm.on_msg((msg) => { if (msg.content.data.method === "update_states") resolve(msg); });
        comm.on_close(() => reject(new Error("the kernel has no widget control comm")));
        comm.open({}, undefined, { version: CONTROL_VERSION });
        comm.send({ method: "request_states" }, {});
        setTimeout(() => reject(new Error(`no widget states after ${STATES_WAIT_MS / 1000} s`)), STATES_WAIT_MS);
      });
    } catch (err) {
      console.warn(`workbench: ${err.message}; asking for each widget`);
      return this._loadFromKernelModels();
    }
    comm.close();
    performance.mark("workbench:widget-states");
    const { states, buffer_paths: paths = [] } = reply.content.data;
    const buffers = (reply.buffers || []).map((b) => (b instanceof DataView ? b
      : ArrayBuffer.isView(b) ? new DataView(b.buffer, b.byteOffset, b.byteLength) : new DataView(b)));
    const held = {}; // widget id -> [paths within its state, buffers]
    paths.forEach(([id, ...path], i) => {
      held[id] = held[id] || [[], []];
      held[id][0].push(path);
      held[id][1].push(buffers[i]);
    });
    // new_model registers each model before its first await, so a widget can refer to one made after it.
    await Promise.all(Object.entries(states).map(async ([id, entry]) => {
      if (held[id]) base.put_buffers(entry.state, ...held[id]);
      try {
        if (this.has_model(id)) {
          const model = await this.get_model(id);
          model.set_state(await model.constructor._deserialize_state(entry.state, this));
        } else {
          await this.new_model({ model_name: entry.model_name, model_module: entry.model_module,
            model_module_version: entry.model_module_version, model_id: id,
            comm: this.kernel.createComm(this.comm_target_name, id) }, entry.state);
        }
      } catch (err) {
        console.error("workbench: widget", id, err); // the others are still drawn
      }
    }));
  }
}

async function drawWidget(manager, modelId, host, placeholder) {
  await manager.load();
  const model = await manager.get_model(modelId);
  const view = await manager.create_view(model);
  Widget.attach(view.luminoWidget, host);
  if (placeholder) placeholder.remove();
}

function drawOutput(output, host, manager) {
  const data = output.data || {};
  if (output.output_type === "stream") {
    const pre = document.createElement("pre");
    pre.textContent = output.text;
    host.appendChild(pre);
  } else if (output.output_type === "error") {
    const pre = document.createElement("pre");
    pre.textContent = `${output.ename}: ${output.evalue}`;
    host.appendChild(pre);
  } else if (data[WIDGET_VIEW]) {
    // A view's placeholder (its connection notice, workbench/ui/_base.py) stands in until the widget
    // arrives: a page that never reaches its kernel then says so instead of staying blank.
    let placeholder = null;
    if (data[PLACEHOLDER] !== undefined) {
      placeholder = document.createElement("div");
      placeholder.className = "wb-placeholder";
      placeholder.innerHTML = [].concat(data[PLACEHOLDER]).join("");
      host.appendChild(placeholder);
    }
    drawWidget(manager, data[WIDGET_VIEW].model_id, host, placeholder)
      .catch((err) => console.error("workbench: widget", err));
  } else if (data["text/html"] !== undefined || data["image/svg+xml"] !== undefined) {
    host.innerHTML = [].concat(data["text/html"] ?? data["image/svg+xml"]).join("");
  } else if (data["image/png"] || data["image/jpeg"]) {
    const img = document.createElement("img");
    const type = data["image/png"] ? "image/png" : "image/jpeg";
    img.src = `data:${type};base64,${data[type]}`;
    img.alt = "";
    host.appendChild(img);
  } else if (data["application/javascript"]) {
    try {
      new Function("element", [].concat(data["application/javascript"]).join(""))(host);
    } catch (err) {
      console.error("workbench: script output", err);
    }
  } else if (data["text/plain"] !== undefined) {
    const pre = document.createElement("pre");
    pre.textContent = [].concat(data["text/plain"]).join("");
    host.appendChild(pre);
  }
}

function xsrf() {
  const m = document.cookie.match(/\b_xsrf=([^;]*)\b/);
  return m ? m[1] : "";
}

function start() {
  const config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
  const baseUrl = config.baseUrl || "/";
  const wsUrl = `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}${baseUrl}`;
  const kernel = new Kernel(wsUrl, config.kernelId, baseUrl);
  const manager = new Manager(kernel);
  window.workbenchManager = manager; // for the browser tests and for debugging in a console
  // The views' connection notice (workbench/ui/_base.py) shows while <body> says the kernel is out of reach.
  kernel.onConnection = (state) => {
    document.body.classList.toggle("wb-offline", state === "offline");
    document.body.classList.toggle("wb-gone", state === "gone");
  };
  window.addEventListener("online", () => kernel.retryNow());
  manager.load().catch((err) => console.error("workbench: widgets did not load", err));
  for (const script of document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]')) {
    let output;
    try {
      output = JSON.parse(script.textContent);
    } catch (err) {
      console.error("workbench: unreadable output", err);
      continue;
    }
    const host = document.createElement("div");
    host.className = "wb-output";
    script.replaceWith(host);
    drawOutput(output, host, manager);
  }
  // Leaving the page ends its kernel now rather than when the culler finds it idle (as Voila does).
  window.addEventListener("pagehide", () => {
    const form = new FormData();
    form.append("_xsrf", xsrf());
    navigator.sendBeacon(`${baseUrl}voila/api/shutdown/${encodeURIComponent(config.kernelId)}`, form);
    kernel.dispose();
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
