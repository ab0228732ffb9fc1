// Copy buttons for the personal links (date poll, RSVP): one link, or all of them as "Name: link" lines.
(() => {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // plain http on an office server: the old way through a hidden text area
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function confirmCopied(button) {
    const label = button.dataset.copiedLabel;
    if (!label) return;
    const before = button.textContent;
    button.textContent = label;
    button.classList.add("btn-success");
    window.setTimeout(() => { button.textContent = before; button.classList.remove("btn-success"); }, 1500);
  }

  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      copyText(button.dataset.copy).then(() => confirmCopied(button), () => {
        const field = button.parentElement.querySelector("input.link-field");
        if (field) field.select();  // at least selected for Ctrl+C
      });
    });
  });

  document.querySelectorAll("button[data-copy-all]").forEach((button) => {
    button.addEventListener("click", () => {
      const list = document.querySelector(button.dataset.copyAll);
      if (!list) return;
      const lines = Array.from(list.querySelectorAll("[data-copy-line]")).map((li) => li.dataset.copyLine);
      copyText(lines.join("\n")).then(() => confirmCopied(button), () => {});
    });
  });

  // the answer filter applies as soon as it is chosen (the button stays for keyboards without JS)
  document.querySelectorAll("form.rsvp-filter select").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
})();
