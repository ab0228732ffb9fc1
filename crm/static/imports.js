/* RegioNetz import, duplicate and merge pages: confirmations on buttons, radios that submit,
   live counts on the import preview. No inline scripts (CSP). */
(function () {
  "use strict";
  document.querySelectorAll("button[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });
  document.querySelectorAll("input[data-autosubmit]").forEach((input) => {
    input.addEventListener("change", () => input.form.submit());
  });

  // Import preview: the counters and the confirm question follow the choices on this page.
  // The server's counts cover every page; this page's rows are counted with their saved
  // action there, so each changed select moves one row from its saved action to the new one.
  const selects = Array.from(document.querySelectorAll("select.row-action"));
  if (!selects.length) return;
  const kinds = ["create", "update", "skip"];
  const counters = {};
  const base = {};
  kinds.forEach((kind) => {
    counters[kind] = document.getElementById("count-" + kind);
    base[kind] = counters[kind] ? parseInt(counters[kind].textContent.replace(/\D/g, ""), 10) || 0 : 0;
  });
  const commit = document.getElementById("commit-import");
  const number = new Intl.NumberFormat(document.documentElement.lang || "de");
  const kindOf = (value) => (value || "").split(":")[0];

  function refresh() {
    const counts = Object.assign({}, base);
    selects.forEach((select) => {
      const before = kindOf(select.dataset.initial);
      const now = kindOf(select.value);
      if (before !== now && before in counts && now in counts) {
        counts[before] -= 1;
        counts[now] += 1;
      }
      const stale = document.getElementById("stale-" + select.dataset.row);
      const changes = document.getElementById("changes-" + select.dataset.row);
      const changed = select.value !== select.dataset.initial;
      if (stale) stale.classList.toggle("d-none", !changed || now !== "update");
      if (changes) changes.classList.toggle("d-none", changed);
    });
    kinds.forEach((kind) => {
      if (counters[kind]) counters[kind].textContent = number.format(counts[kind]);
    });
    if (commit && commit.dataset.confirmTemplate) {
      commit.dataset.confirm = commit.dataset.confirmTemplate
        .replace("{create}", number.format(counts.create))
        .replace("{update}", number.format(counts.update))
        .replace("{skip}", number.format(counts.skip));
    }
  }

  selects.forEach((select) => select.addEventListener("change", refresh));
})();
