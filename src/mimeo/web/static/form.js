// The run form (sliders, file previews, submit without leaving the page, errors marked on their
// fields) and the copy/reveal buttons. No dependencies; without it the forms still post.
"use strict";

(function () {
  function mirrorSliders(form) {
    form.querySelectorAll("input[type=range][data-mirror]").forEach((slider) => {
      const box = document.getElementById(slider.dataset.mirror);
      slider.addEventListener("input", () => { box.value = slider.value; });
      box.addEventListener("input", () => { if (box.value !== "") slider.value = box.value; });
    });
  }

  function previews(form) {
    form.querySelectorAll("input[type=file][data-preview]").forEach((input) => {
      input.addEventListener("change", () => {
        const preview = document.getElementById(input.dataset.preview);
        preview.replaceChildren();
        for (const file of input.files) {
          const url = URL.createObjectURL(file);
          let element;
          if (file.type.startsWith("image/")) {
            element = document.createElement("img");
            element.alt = "Preview of " + file.name;
          } else if (file.type.startsWith("audio/") || file.type.startsWith("video/")) {
            element = document.createElement(file.type.split("/")[0]);
            element.controls = true;
          } else {
            element = document.createElement("span");
            element.textContent = file.name + " (" + file.size + " bytes)";
            preview.appendChild(element);
            continue;
          }
          element.src = url;
          preview.appendChild(element);
        }
      });
    });
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    const summary = document.getElementById("form-error");
    summary.hidden = true;
    summary.textContent = "";
  }

  function showProblem(form, status, problem) {
    const summary = document.getElementById("form-error");
    let first = null;
    for (const error of problem.errors || []) {
      const name = String(error.field || "").split(/[.[]/)[0];
      const field = form.querySelector('.field[data-field="' + CSS.escape(name) + '"]');
      if (!field) continue;
      const message = field.querySelector(".field-error");
      message.textContent = error.message;
      message.hidden = false;
      const control = field.querySelector("input:not([type=hidden]), textarea, select");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        first = first || control;
      }
    }
    summary.textContent = status === 402
      ? "Your balance is spent: add credit to your account to run models again."
      : (problem.title || "Error") + ": " + (problem.detail || "the run was refused");
    summary.hidden = false;
    (first || summary).focus();
  }

  function submitInPlace(form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const answer = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json", "X-CSRF-Token": form.elements.csrf_token.value },
        });
        const body = await answer.json().catch(() => ({ detail: answer.statusText }));
        if (!answer.ok) {
          showProblem(form, answer.status, body);
          return;
        }
        const api = document.getElementById("api-tab");
        if (api) api.href = api.pathname + "?prediction=" + encodeURIComponent(body.prediction.id);
        window.mimeoWatch(document.getElementById("prediction"), body.prediction);
      } finally {
        button.disabled = false;
      }
    });
  }

  function buttons() {
    document.querySelectorAll("button[data-copy]").forEach((button) => {
      button.addEventListener("click", async () => {
        const source = document.getElementById(button.dataset.copy);
        await navigator.clipboard.writeText(source.value !== undefined ? source.value : source.textContent);
        button.textContent = "Copied";
      });
    });
    document.querySelectorAll("button[data-reveal]").forEach((button) => {
      button.addEventListener("click", () => {
        const input = document.getElementById(button.dataset.reveal);
        input.type = input.type === "password" ? "text" : "password";
        button.textContent = input.type === "password" ? "Show" : "Hide";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("run-form");
    if (form) {
      mirrorSliders(form);
      previews(form);
      submitInPlace(form);
    }
    buttons();
  });
})();
