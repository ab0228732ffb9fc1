/* RegioNetz Verteiler: the condition builder with its live count, and the selection bar of the
   contact lists. Plain DOM, every control a native one (keyboard as usual). No inline scripts (CSP). */
(function () {
  "use strict";

  // ------------------------------------------------------------ selection bar (person / organisation list)
  document.querySelectorAll("form.selection-bar").forEach((bar) => {
    const rows = () => Array.from(document.querySelectorAll('input.select-row[form="' + bar.id + '"]'));
    const all = document.querySelector("input.select-all[data-bar='" + bar.id + "']");
    const counter = bar.querySelector("[data-selected-count]");
    const template = counter ? counter.dataset.template : "";
    const number = new Intl.NumberFormat(document.documentElement.lang || "de");

    function update() {
      const boxes = rows();
      const n = boxes.filter((b) => b.checked).length;
      if (counter) counter.textContent = template.replace("{n}", number.format(n));
      if (all) {
        all.checked = n > 0 && n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      }
    }
    if (all) {
      all.addEventListener("change", () => {
        rows().forEach((b) => { b.checked = all.checked; });
        update();
      });
    }
    document.addEventListener("change", (e) => {
      if (e.target.matches && e.target.matches("input.select-row")) update();
    });
    update();
  });

  // ------------------------------------------------------------ condition builder
  const editor = document.getElementById("segment-editor");
  if (!editor) return;
  const form = editor.closest("form");
  const hidden = document.getElementById("filter");
  const conditionsPart = document.getElementById("conditions-part");
  const live = {
    count: document.getElementById("live-count"),
    objecting: document.getElementById("live-objecting"),
    summary: document.getElementById("live-summary"),
    error: document.getElementById("live-error"),
    list: document.getElementById("live-preview"),
    more: document.getElementById("live-more"),
  };
  let uid = 0;
  let sequence = 0;
  let timer = null;

  // Copies of a <template>'s elements, their "__ID__" placeholders made unique.
  function copies(templateId) {
    const template = document.getElementById(templateId);
    if (!template) return [];
    const id = "n" + (++uid);
    return Array.from(template.content.children).map((child) => {
      const node = child.cloneNode(true);
      [node, ...node.querySelectorAll("[id], [for]")].forEach((el) => {
        ["id", "for"].forEach((attr) => {
          const value = el.getAttribute(attr);
          if (value && value.includes("__ID__")) el.setAttribute(attr, value.split("__ID__").join(id));
        });
      });
      return node;
    });
  }

  function fresh(templateId) { return copies(templateId)[0] || null; }

  function own(group, selector) {
    return group.querySelector(":scope > .seg-group-head " + selector);
  }

  function readCondition(li) {
    const facet = li.querySelector(".seg-facet").value;
    if (!facet) return null;
    let values = Array.from(li.querySelectorAll(".seg-value:checked")).map((i) => i.value);
    const yesno = li.querySelector(".seg-yesno");
    if (yesno) values = [yesno.value];
    const day = li.querySelector(".seg-date");
    if (day) values = day.value ? [day.value] : [];
    const condition = { facet, values };
    const roles = Array.from(li.querySelectorAll(".seg-role:checked")).map((i) => i.value);
    if (roles.length) condition.roles = roles;
    if (li.querySelector(".seg-cnot").checked) condition.not = true;
    return condition;
  }

  function readGroup(group) {
    const tree = { op: own(group, ".seg-op").value, items: [] };
    if (own(group, ".seg-gnot").checked) tree.not = true;
    Array.from(group.querySelector(":scope > .seg-items").children).forEach((li) => {
      const item = li.classList.contains("seg-condition")
        ? readCondition(li)
        : readGroup(li.querySelector(":scope > .seg-group"));
      if (item) tree.items.push(item);
    });
    return tree;
  }

  function isDynamic() {
    const checked = form.querySelector("input.seg-kind:checked");
    return checked ? checked.value === "dynamic" : !conditionsPart.hidden;  // editing: the kind is fixed
  }

  function text(node, value) { if (node) node.textContent = value || ""; }

  function show(data) {
    text(live.error, "");
    text(live.count, data.count_text);
    text(live.objecting, data.objecting_text);
    text(live.summary, data.summary);
    live.list.replaceChildren();
    (data.preview || []).forEach((row) => {
      const li = document.createElement("li");
      li.className = "mb-1";
      const a = document.createElement("a");
      a.href = row.url;
      a.textContent = row.name;
      li.appendChild(a);
      if (row.detail) {
        const detail = document.createElement("div");
        detail.className = "text-muted";
        detail.textContent = row.detail;
        li.appendChild(detail);
      }
      live.list.appendChild(li);
    });
    text(live.more, data.more_text || data.empty_text);
  }

  async function refresh() {
    if (!isDynamic()) return;
    const seq = ++sequence;
    editor.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(editor.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": editor.dataset.csrf },
        body: JSON.stringify({ filter: JSON.parse(hidden.value) }),
      });
      if (seq !== sequence) return;
      const data = await response.json();
      if (!response.ok) { text(live.error, data.error); return; }
      show(data);
    } catch (err) {
      /* network hiccup: the next change asks again */
    } finally {
      if (seq === sequence) editor.removeAttribute("aria-busy");
    }
  }

  function changed() {
    hidden.value = JSON.stringify(readGroup(editor.querySelector(".seg-root")));
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }

  function addCondition(group) {
    const li = fresh("tpl-condition");
    group.querySelector(":scope > .seg-items").appendChild(li);
    li.querySelector(".seg-facet").focus();
    return li;
  }

  editor.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button || !editor.contains(button)) return;
    const group = button.closest(".seg-group");
    if (button.classList.contains("seg-add-condition")) {
      addCondition(group);
    } else if (button.classList.contains("seg-add-group")) {
      const li = fresh("tpl-group");
      group.querySelector(":scope > .seg-items").appendChild(li);
      addCondition(li.querySelector(".seg-group"));
    } else if (button.classList.contains("seg-remove")) {
      const item = button.closest("li");
      const parent = item.parentElement.closest(".seg-group");
      item.remove();
      parent.querySelector(":scope > div > .seg-add-condition").focus();
    } else {
      return;
    }
    changed();
  });

  editor.addEventListener("change", (e) => {
    if (e.target.classList.contains("seg-facet")) {
      const area = e.target.closest(".seg-condition").querySelector(".seg-values");
      area.replaceChildren(...copies("tpl-values-" + e.target.value));
    }
    changed();
  });
  editor.addEventListener("input", (e) => { if (e.target.classList.contains("seg-date")) changed(); });

  form.querySelectorAll("input.seg-kind").forEach((radio) => {
    radio.addEventListener("change", () => {
      conditionsPart.hidden = !isDynamic();
      if (isDynamic()) changed();
    });
  });
  form.addEventListener("submit", () => {
    hidden.value = JSON.stringify(readGroup(editor.querySelector(".seg-root")));
  });

  if (isDynamic()) changed();
})();
