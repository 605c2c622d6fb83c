// A prediction's panel: its output rendered by type as it streams, its logs, Cancel, timing.
// No dependencies. The model page calls window.mimeoWatch after a run; a prediction's own page
// starts from the JSON embedded in it.
"use strict";

(function () {
  const TERMINAL = ["succeeded", "failed", "canceled"];
  const IMAGE = /\.(png|jpe?g|gif|webp|bmp|avif|svg)$/i;
  const AUDIO = /\.(wav|mp3|ogg|oga|flac|m4a|aac|opus)$/i;
  const VIDEO = /\.(mp4|webm|mov|m4v|ogv)$/i;

  function isFileUrl(value) {
    return typeof value === "string" && /^(https?:\/\/|data:)\S+$/.test(value);
  }

  function mediaKind(url) {
    if (url.startsWith("data:")) {
      const type = url.slice(5).split(/[;,]/)[0];
      return type.split("/")[0];
    }
    const path = new URL(url, location.href).pathname;
    if (IMAGE.test(path)) return "image";
    if (AUDIO.test(path)) return "audio";
    if (VIDEO.test(path)) return "video";
    return "file";
  }

  function fileElement(url, index) {
    const kind = mediaKind(url);
    let element;
    if (kind === "image") {
      element = document.createElement("img");
      element.alt = "Output image " + (index + 1);
    } else if (kind === "audio" || kind === "video") {
      element = document.createElement(kind);
      element.controls = true;
    } else {
      element = document.createElement("a");
      element.href = url;
      element.download = "";
      element.textContent = "Download " + decodeURIComponent(new URL(url, location.href).pathname.split("/").pop() || "file");
      return element;
    }
    element.src = url;
    element.className = "media";
    return element;
  }

  function render(container, value) {
    container.replaceChildren();
    if (value === null || value === undefined) return;
    if (Array.isArray(value) && value.length && value.every(isFileUrl)) {
      const gallery = document.createElement("div");
      gallery.className = "gallery";
      value.forEach((url, i) => gallery.appendChild(fileElement(url, i)));
      container.appendChild(gallery);
    } else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      const text = document.createElement("div");
      text.className = "text";
      text.textContent = value.join("");
      container.appendChild(text);
    } else if (isFileUrl(value)) {
      container.appendChild(fileElement(value, 0));
    } else if (typeof value === "string") {
      const text = document.createElement("div");
      text.className = "text";
      text.textContent = value;
      container.appendChild(text);
    } else {
      const pre = document.createElement("pre");
      pre.className = "json";
      pre.textContent = JSON.stringify(value, null, 2);
      container.appendChild(pre);
    }
  }

  function seconds(value) {
    return value === null || value === undefined ? "–" : Number(value).toFixed(2) + " s";
  }

  function watch(panel, data) {
    const $ = (id) => panel.querySelector("#" + id);
    const iterator = panel.dataset.iterator === "true";
    const status = $("status");
    const logs = $("logs");
    const output = $("output");
    const cancel = $("cancel");
    const error = $("error");
    const created = Date.parse(data.created_at);
    let timer = null;
    if (panel.stopWatching) panel.stopWatching(); // the page's previous run
    panel.hidden = false;
    panel.dataset.id = data.id;
    $("prediction-link").href = "/predictions/" + data.id;
    $("prediction-link").textContent = data.id;
    error.hidden = true;
    logs.textContent = "";
    output.replaceChildren();
    $("predict-time").textContent = "–";
    $("total-time").textContent = "–";

    function finish(state) {
      status.textContent = state.status;
      status.className = "status status-" + state.status;
      cancel.hidden = true;
      clearInterval(timer);
      render(output, state.output);
      logs.textContent = state.logs || "";
      if (state.error) {
        error.textContent = state.error;
        error.hidden = false;
      }
      $("predict-time").textContent = seconds(state.metrics && state.metrics.predict_time);
      if (state.completed_at) {
        $("total-time").textContent = seconds((Date.parse(state.completed_at) - created) / 1000);
      }
      $("elapsed").textContent = "";
      panel.dataset.status = state.status;
    }

    if (TERMINAL.includes(data.status)) {
      finish(data);
      return;
    }
    status.textContent = data.status;
    status.className = "status status-" + data.status;
    panel.dataset.status = data.status;
    cancel.hidden = false;
    cancel.disabled = false;
    cancel.onclick = async () => {
      cancel.disabled = true;
      await fetch("/predictions/" + data.id + "/cancel", {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRF-Token": panel.dataset.csrf },
      });
    };
    timer = setInterval(() => {
      $("elapsed").textContent = ((Date.now() - created) / 1000).toFixed(1) + " s";
    }, 100);

    const chunks = [];
    const source = new EventSource(data.urls.stream);
    panel.stopWatching = () => { source.close(); clearInterval(timer); };
    const running = () => {
      if (status.textContent === "starting") {
        status.textContent = "processing";
        status.className = "status status-processing";
      }
    };
    source.addEventListener("output", (event) => {
      running();
      if (!iterator) return; // a whole output comes once, at the end: read from the final state
      let chunk = event.data;
      if (!isFileUrl(chunk)) {
        try {
          const parsed = JSON.parse(chunk);
          if (typeof parsed !== "string" && typeof parsed !== "number") chunk = parsed;
        } catch (_) { /* a text token */ }
      }
      chunks.push(chunk);
      render(output, chunks);
    });
    source.addEventListener("logs", (event) => {
      running();
      logs.textContent += event.data + "\n";
    });
    source.addEventListener("done", async () => {
      source.close();
      const answer = await fetch("/predictions/" + data.id + "/json", {
        headers: { Accept: "application/json" },
      });
      finish(await answer.json());
    });
  }

  window.mimeoWatch = watch;
  document.addEventListener("DOMContentLoaded", () => {
    const panel = document.getElementById("prediction");
    const embedded = document.getElementById("prediction-data");
    if (panel && embedded) watch(panel, JSON.parse(embedded.textContent));
  });
})();
