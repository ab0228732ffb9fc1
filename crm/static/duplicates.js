/* "Similar contacts exist already": while a new person or organisation is typed in, ask the
   server for look-alikes and list them with links. Loaded by the create forms (CSP: no inline scripts). */
(function () {
  "use strict";
  const box = document.getElementById("similar-contacts");
  if (!box) return;
  const kind = box.dataset.kind || "person";
  const fields = kind === "organisation" ? ["name"] : ["last_name", "first_name", "email"];
  const inputs = fields.map((name) => document.getElementById(name)).filter(Boolean);
  let timer = null;
  let seq = 0;

  function render(data) {
    box.replaceChildren();
    if (!data.matches || !data.matches.length) {
      box.classList.add("d-none");
      return;
    }
    const title = document.createElement("strong");
    title.textContent = data.title;
    box.appendChild(title);
    const list = document.createElement("ul");
    list.className = "mb-0";
    data.matches.forEach((m) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = m.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = m.name + (m.detail ? " (" + m.detail + ")" : "");
      item.appendChild(link);
      if (m.archived) item.appendChild(document.createTextNode(" · " + data.archived));
      list.appendChild(item);
    });
    box.appendChild(list);
    box.classList.remove("d-none");
  }

  async function check() {
    const params = new URLSearchParams({ kind: kind });
    inputs.forEach((input) => params.set(input.name, input.value.trim()));
    const key = kind === "organisation" ? params.get("name") : params.get("last_name") || params.get("email");
    const mine = ++seq;
    if (!key || key.length < 2) { render({ matches: [] }); return; }
    try {
      const response = await fetch(box.dataset.endpoint + "?" + params.toString(), {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok || mine !== seq) return;
      render(await response.json());
    } catch (err) { /* no warning then; saving still works */ }
  }

  inputs.forEach((input) => {
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 300); });
    input.addEventListener("change", check);
  });
  if (inputs.some((input) => input.value.trim())) check();
})();
