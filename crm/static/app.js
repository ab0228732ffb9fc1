/* RegioNetz: quick search in the header, organisation picker, confirm buttons. No inline scripts (CSP). */
(function () {
  "use strict";

  function debounce(fn, ms) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn.apply(this, args), ms);
    };
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* A list of results under an input, driven by keyboard or mouse. onChoose(item) decides what happens. */
  class Typeahead {
    constructor(input, menu, options) {
      this.input = input;
      this.menu = menu;
      this.opts = options;
      this.items = [];
      this.active = -1;
      this.seq = 0;
      input.addEventListener("input", debounce(() => this.fetch(), 120));
      input.addEventListener("keydown", (e) => this.onKey(e));
      input.addEventListener("focus", () => { if (this.items.length) this.show(); });
      document.addEventListener("click", (e) => {
        if (!menu.contains(e.target) && e.target !== input) this.hide();
      });
    }

    async fetch() {
      const q = this.input.value.trim();
      const seq = ++this.seq;
      if (q.length < 2) { this.items = []; this.hide(); return; }
      const url = this.opts.endpoint + "?q=" + encodeURIComponent(q);
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok || seq !== this.seq) return;
        this.render(await response.json());
      } catch (err) { /* network hiccup: keep what is shown */ }
    }

    render(data) {
      this.menu.replaceChildren();
      this.items = [];
      this.active = -1;
      let any = false;
      const groups = this.opts.groupOrder ? this.opts.groupOrder(data) : this.opts.groups;
      for (const group of groups) {
        const rows = (data[group.key] || []).slice(group.from || 0, group.to);
        if (!rows.length) continue;
        any = true;
        if (group.label) this.menu.appendChild(el("h6", "dropdown-header", group.label));
        for (const row of rows) {
          const a = el("a", "dropdown-item");
          a.href = row.url;
          a.setAttribute("role", "option");
          a.id = this.menu.id + "-opt-" + this.items.length;
          a.appendChild(el("div", "fw-semibold", row.label));
          if (row.detail) a.appendChild(el("div", "small text-muted", row.detail));  // wraps, never cut
          const index = this.items.length;
          a.addEventListener("mousedown", (e) => { e.preventDefault(); this.choose(index); });
          this.menu.appendChild(a);
          this.items.push({ row, node: a });
        }
        if (group.moreKey && data[group.moreKey] && this.opts.moreLabel) {
          const more = el("a", "dropdown-item small text-primary", this.opts.moreLabel);
          more.href = data[group.moreUrlKey];
          this.menu.appendChild(more);
        }
      }
      if (!any) this.menu.appendChild(el("span", "dropdown-item-text text-muted", this.opts.noneLabel));
      this.show();
    }

    show() { this.menu.classList.add("show"); this.input.setAttribute("aria-expanded", "true"); }
    hide() { this.menu.classList.remove("show"); this.input.setAttribute("aria-expanded", "false"); }

    highlight(index) {
      this.items.forEach((item, i) => item.node.classList.toggle("active", i === index));
      this.active = index;
      if (index >= 0) {
        this.input.setAttribute("aria-activedescendant", this.items[index].node.id);
        this.items[index].node.scrollIntoView({ block: "nearest" });
      } else {
        this.input.removeAttribute("aria-activedescendant");
      }
    }

    choose(index) { const item = this.items[index]; if (item) { this.hide(); this.opts.onChoose(item.row); } }

    onKey(e) {
      const n = this.items.length;
      if (e.key === "ArrowDown" && n) { e.preventDefault(); this.show(); this.highlight((this.active + 1) % n); }
      else if (e.key === "ArrowUp" && n) { e.preventDefault(); this.highlight((this.active - 1 + n) % n); }
      else if (e.key === "Escape") { this.hide(); }
      else if (e.key === "Enter") {
        if (this.menu.classList.contains("show") && n) { e.preventDefault(); this.choose(this.active >= 0 ? this.active : 0); }
        else if (!this.opts.enterSubmits) { e.preventDefault(); }  // a picker never submits its form by accident
      }
    }
  }

  // Quick search in the header.
  const form = document.querySelector("form.quicksearch");
  if (form) {
    const input = form.querySelector("input[name=q]");
    const menu = form.querySelector(".quicksearch-results");
    new Typeahead(input, menu, {
      endpoint: form.dataset.endpoint,
      groups: [
        { key: "persons", label: menu.dataset.labelPersons, moreKey: "more_persons", moreUrlKey: "all_persons_url" },
        { key: "organisations", label: menu.dataset.labelOrganisations, moreKey: "more_organisations", moreUrlKey: "all_organisations_url" },
      ],
      noneLabel: menu.dataset.labelNone,
      moreLabel: menu.dataset.labelMore,
      // Organisations named like the whole query come first, so Enter opens the first of them;
      // then the persons, then the other organisations (in that town, with that e-mail ...).
      groupOrder(data) {
        const n = data.named_organisations || 0;
        if (!n) return this.groups;
        const [persons, organisations] = this.groups;
        return [{ ...organisations, to: n, moreKey: null }, persons, { ...organisations, from: n }];
      },
      onChoose: (row) => { window.location.href = row.url; },
      enterSubmits: true,
    });
    document.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") { e.preventDefault(); input.focus(); input.select(); }
    });
  }

  // Organisation pickers in forms.
  document.querySelectorAll(".picker").forEach((box, i) => {
    const input = box.querySelector(".picker-input");
    const hidden = box.querySelector(".picker-id");
    const menu = box.querySelector(".picker-results");
    menu.id = "picker-" + i;
    input.addEventListener("input", () => { hidden.value = ""; });
    new Typeahead(input, menu, {
      endpoint: box.dataset.endpoint,
      groups: [{ key: box.dataset.group }],
      noneLabel: box.dataset.labelNone,
      onChoose: (row) => {
        hidden.value = row.id; input.value = row.label; input.classList.remove("is-invalid");
        const target = box.dataset.fillOrganisation && document.querySelector(box.dataset.fillOrganisation);
        if (target && row.organisation_id) {
          const orgId = target.querySelector(".picker-id");
          const orgInput = target.querySelector(".picker-input");
          if (!orgId.value || target.dataset.autofilled === "1") {
            orgId.value = row.organisation_id;
            orgInput.value = row.organisation;
            target.dataset.autofilled = "1";
          }
        }
      },
    });
    // typing in a prefilled field makes it the user's own choice
    input.addEventListener("input", () => { delete box.dataset.autofilled; });
  });

  // Several contacts in one field: each pick becomes a chip with a hidden input.
  document.querySelectorAll(".multipicker").forEach((box, i) => {
    const input = box.querySelector(".picker-input");
    const menu = box.querySelector(".picker-results");
    const chips = box.querySelector(".chips");
    menu.id = "multipicker-" + i;
    const chosen = () => Array.from(chips.querySelectorAll("input[type=hidden]")).map((h) => h.value);
    chips.addEventListener("click", (e) => {
      if (e.target.classList.contains("chip-remove")) e.target.closest(".chip").remove();
    });
    new Typeahead(input, menu, {
      endpoint: box.dataset.endpoint,
      groups: [{ key: box.dataset.group }],
      noneLabel: box.dataset.labelNone,
      onChoose: (row) => {
        input.value = "";
        input.classList.remove("is-invalid");
        if (chosen().includes(String(row.id))) return;
        const chip = el("span", "badge text-bg-light border chip");
        const hidden = el("input");
        hidden.type = "hidden";
        hidden.name = box.dataset.name;
        hidden.value = row.id;
        chip.appendChild(hidden);
        chip.appendChild(document.createTextNode(row.label));
        const remove = el("button", "btn-close btn-close-sm ms-1 chip-remove");
        remove.type = "button";
        remove.setAttribute("aria-label", box.dataset.labelRemove);
        chip.appendChild(remove);
        chips.appendChild(chip);
      },
    });
  });

  // One-time tokens of create forms (crm/core/once.py): the value comes from here, so that the
  // browser restores the token already used when the user goes back, even on a page fetched anew.
  document.querySelectorAll("input[data-once-token]").forEach((input) => {
    if (!input.value) input.value = input.dataset.onceToken;
  });

  // Buttons that ask first.
  document.querySelectorAll("form[data-confirm]").forEach((f) => {
    f.addEventListener("submit", (e) => { if (!window.confirm(f.dataset.confirm)) e.preventDefault(); });
  });

  // Print buttons (the recovery codes).
  document.querySelectorAll("button[data-print]").forEach((b) => {
    b.addEventListener("click", () => window.print());
  });
})();
