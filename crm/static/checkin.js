// The check-in at the door (templates/meetings/checkin.html), made to work without network.
//
// Every tap becomes an entry with an id made here (crypto.randomUUID()) in the IndexedDB queue
// first, and is shown at once; the queue is sent to the server when the network is there (after each
// tap, on the "online" event, every 15 seconds and on page load). An entry leaves the queue only when
// the server has answered for it; the server knows every id it has seen, so an entry sent twice
// (an answer lost on the way) adds nothing. The service worker (checkin-sw.js) keeps this page,
// its data and assets, so the page also opens without network.
(function () {
  "use strict";

  const root = document.getElementById("checkin");
  if (!root) return;
  const texts = JSON.parse(root.dataset.texts || "{}");
  const meetingId = Number(root.dataset.meetingId);
  const dataUrl = root.dataset.dataUrl;
  const syncUrl = root.dataset.syncUrl;
  const peopleUrl = root.dataset.peopleUrl;
  const RETRY_MS = 15000;
  const BATCH = 200;

  const el = (id) => document.getElementById(id);
  const list = el("checkin-list");
  const search = el("checkin-search");
  const missingOnly = el("checkin-missing");
  const countsBox = el("checkin-counts");
  const syncBox = el("checkin-sync");
  const messageBox = el("checkin-message");
  const dialog = el("checkin-dialog");

  let csrfToken = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  let server = { invitees: [], loaded_at: null };  // the last list the server (or the worker's copy) gave
  let fromCache = false;
  let queue = [];  // entries not yet answered by the server, in the order they were made
  let syncing = false;
  let lastProblem = "";
  let seq = 0;

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, (m, key) => (key in values ? values[key] : m));
  }

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "id-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // ---------------------------------------------------------------- IndexedDB queue

  let dbPromise = null;
  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open("regionetz-checkin", 1);
        request.onupgradeneeded = () => {
          const store = request.result.createObjectStore("queue", { keyPath: "client_id" });
          store.createIndex("meeting", "meeting_id");
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }

  function tx(mode, work) {
    return openDb().then((db) => new Promise((resolve, reject) => {
      const transaction = db.transaction("queue", mode);
      const result = work(transaction.objectStore("queue"));
      transaction.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    }));
  }

  function readQueue() {
    return tx("readonly", (store) => store.index("meeting").getAll(meetingId))
      .then((rows) => (rows || []).sort((a, b) => a.seq - b.seq));
  }

  function putEntry(entry) {
    return tx("readwrite", (store) => store.put(entry));
  }

  function deleteEntries(ids) {
    return tx("readwrite", (store) => { ids.forEach((id) => store.delete(id)); });
  }

  // ---------------------------------------------------------------- state

  // Rows as shown: the server's list, with the walk-ins and taps still in the queue laid over it.
  function rows() {
    const byKey = new Map();
    server.invitees.forEach((inv) => byKey.set("i" + inv.id, Object.assign({ key: "i" + inv.id }, inv)));
    queue.forEach((entry) => {
      if (entry.walk_in) {
        const key = "w" + entry.client_id;
        byKey.set(key, {
          key, id: null, walk_in_client_id: entry.client_id, pending: true, walk_in: true,
          name: [entry.walk_in.first_name, entry.walk_in.last_name].filter(Boolean).join(" "),
          sort: fold(entry.walk_in.last_name + " " + entry.walk_in.first_name),
          organisation: entry.walk_in.organisation || entry.walk_in.shown_organisation || "",
          role: "guest", role_label: entry.role_label, voting: false,
          attended: true, checked_in_at: entry.checked_in_at,
        });
        return;
      }
      const key = entry.invitee_id != null ? "i" + entry.invitee_id : "w" + entry.walk_in_client_id;
      const row = byKey.get(key);
      if (!row) return;
      row.pending = true;
      row.attended = !entry.undo;
      row.checked_in_at = entry.undo ? null : entry.checked_in_at;
    });
    return Array.from(byKey.values());
  }

  function counts(all) {
    const present = all.filter((r) => r.attended).length;
    const voting = all.filter((r) => r.voting).length;
    const votingPresent = all.filter((r) => r.attended && r.voting).length;
    let text = fill(texts.counts, { present, invited: all.length });
    if (voting) text += fill(texts.counts_voting, { voting: votingPresent });
    return text;
  }

  function timeOf(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return "";
    return d.toLocaleTimeString("de-DE", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Berlin" });
  }

  // ---------------------------------------------------------------- rendering

  function render() {
    const all = rows();
    const query = fold(search.value);
    const onlyMissing = missingOnly.checked;
    const shown = all.filter((r) => (!query || fold(r.name + " " + r.organisation).includes(query))
      && (!onlyMissing || !r.attended));
    const fragment = document.createDocumentFragment();
    shown.forEach((r) => fragment.appendChild(rowElement(r)));
    list.replaceChildren(fragment);
    countsBox.textContent = counts(all);
    el("checkin-hits").textContent = query || onlyMissing ? fill(texts.hits, { count: shown.length }) : "";
    const empty = el("checkin-empty");
    empty.hidden = !(query && shown.length === 0 && server.loaded_at);
    if (!empty.hidden) {
      el("checkin-empty-text").textContent = fill(texts.no_hits, { query: search.value.trim() });
      el("checkin-empty-add").textContent = fill(texts.add_as_guest, { query: search.value.trim() });
    }
    renderSync();
  }

  function rowElement(r) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "checkin-row" + (r.attended ? " is-present" : "") + (r.pending ? " is-pending" : "");
    button.dataset.key = r.key;
    button.setAttribute("aria-pressed", r.attended ? "true" : "false");
    const main = document.createElement("span");
    main.className = "checkin-row-main";
    const name = document.createElement("span");
    name.className = "checkin-name";
    name.textContent = r.name;
    const meta = document.createElement("span");
    meta.className = "checkin-meta";
    meta.textContent = [r.organisation, r.role_label, r.voting ? texts.voting : "", r.walk_in ? texts.walk_in : ""]
      .filter(Boolean).join(" · ");
    main.append(name, meta);
    const state = document.createElement("span");
    state.className = "checkin-state";
    const time = timeOf(r.checked_in_at);
    state.textContent = r.attended ? texts.present + (time ? " " + fill(texts.since, { time }) : "") : texts.absent;
    button.append(main, state);
    li.appendChild(button);
    return li;
  }

  function renderSync() {
    const waiting = queue.length;
    let text;
    let kind;
    if (waiting) {
      text = waiting === 1 ? texts.waiting_one : fill(texts.waiting_many, { count: waiting });
      kind = "waiting";
      if (!navigator.onLine) text += " · " + texts.offline;
      else if (syncing) text += " · " + texts.sending;
      else if (lastProblem) text += " · " + lastProblem;
    } else {
      text = texts.all_sent;
      kind = "done";
      if (fromCache && server.loaded_at) text += " · " + fill(texts.stale, { time: timeOf(server.loaded_at) });
    }
    syncBox.textContent = text;
    syncBox.dataset.state = kind;
    syncBox.dataset.waiting = String(waiting);
  }

  let messageTimer = null;
  function say(text, kind) {
    messageBox.textContent = text;
    messageBox.className = "checkin-message alert alert-" + (kind || "success");
    messageBox.hidden = false;
    clearTimeout(messageTimer);
    if (kind !== "danger") messageTimer = setTimeout(() => { messageBox.hidden = true; }, 4000);
  }

  // ---------------------------------------------------------------- dialog

  function ask(text, choices) {
    // Resolves with "yes", "cancel" or the value of a choice button.
    return new Promise((resolve) => {
      el("checkin-dialog-text").textContent = text;
      const box = el("checkin-dialog-choices");
      box.replaceChildren();
      (choices || []).forEach((choice) => {
        const b = document.createElement("button");
        b.type = "submit";
        b.value = choice.value;
        b.className = "btn btn-outline-primary btn-lg text-start";
        b.textContent = choice.label;
        box.appendChild(b);
      });
      el("checkin-dialog-yes").hidden = Boolean(choices && choices.length);
      dialog.returnValue = "";
      dialog.addEventListener("close", () => resolve(dialog.returnValue || "cancel"), { once: true });
      dialog.showModal();
    });
  }

  // ---------------------------------------------------------------- taps

  function record(entry) {
    entry.meeting_id = meetingId;
    entry.client_id = newId();
    entry.checked_in_at = new Date().toISOString();
    entry.seq = Date.now() * 1000 + (seq++ % 1000);
    queue.push(entry);
    render();
    return putEntry(entry).then(() => sync());
  }

  function target(r) {
    return r.id != null ? { invitee_id: r.id } : { walk_in_client_id: r.walk_in_client_id };
  }

  function tap(key) {
    const r = rows().find((x) => x.key === key);
    if (!r) return;
    if (!r.attended) {
      record(Object.assign({ name: r.name }, target(r)));
      say(fill(texts.checked_in, { name: r.name }));
      return;
    }
    ask(fill(texts.undo_question, { name: r.name })).then((answer) => {
      if (answer !== "yes") return;
      record(Object.assign({ name: r.name, undo: true }, target(r)));
      say(fill(texts.taken_back, { name: r.name }), "secondary");
    });
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest(".checkin-row");
    if (button) tap(button.dataset.key);
  });

  function lookUp(first, last) {
    // Persons of exactly this name in the contacts; nothing without network (3 s at most).
    if (!navigator.onLine) return Promise.resolve([]);
    const url = peopleUrl + "?" + new URLSearchParams({ vorname: first, nachname: last });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 3000));
    const request = fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => (r.ok && (r.headers.get("content-type") || "").includes("json") ? r.json() : null))
      .catch(() => null);
    return Promise.race([request, timeout]).then((data) => (data && data.matches) || []);
  }

  const walkinForm = el("walkin-form");
  walkinForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const last = walkinForm.last_name.value.trim();
    const first = walkinForm.first_name.value.trim();
    const organisation = walkinForm.organisation.value.trim();
    walkinForm.last_name.classList.toggle("is-invalid", !last);
    if (!last) { walkinForm.last_name.focus(); return; }
    const wanted = fold(first + " " + last);
    const listed = rows().find((r) => fold(r.name) === wanted || fold(r.name).endsWith(" " + wanted));
    if (listed) {
      const answer = await ask(fill(texts.already_listed, { name: listed.name }));
      if (answer === "yes") {
        if (!listed.attended) tap(listed.key);
        walkinForm.reset();
        return;
      }
      if (answer === "cancel") return;
    }
    const walkIn = { first_name: first, last_name: last, organisation };
    const matches = await lookUp(first, last);
    if (matches.length) {
      const choices = matches.map((m) => ({
        value: "p" + m.id,
        label: m.name + (m.organisation ? " · " + m.organisation : "") + (m.invited ? " · " + texts.invited : ""),
      }));
      choices.push({ value: "new", label: texts.new_person });
      const answer = await ask(texts.matches, choices);
      if (answer === "cancel" || answer === "") return;
      if (answer.startsWith("p")) {
        const chosen = matches.find((m) => "p" + m.id === answer);
        walkIn.person_id = chosen.id;
        walkIn.shown_organisation = organisation || chosen.organisation;
      }
    }
    const name = [first, last].filter(Boolean).join(" ");
    record({ walk_in: walkIn, name, role_label: texts.guest || "" });
    say(fill(texts.walk_in_added, { name }));
    walkinForm.reset();
    walkinForm.last_name.classList.remove("is-invalid");
    search.value = "";
    render();
  });

  el("checkin-empty-add").addEventListener("click", () => {
    const words = search.value.trim().split(/\s+/);
    walkinForm.last_name.value = words.length > 1 ? words.slice(1).join(" ") : words[0] || "";
    walkinForm.first_name.value = words.length > 1 ? words[0] : "";
    el("walkin").scrollIntoView({ behavior: "smooth", block: "start" });
    (words.length > 1 ? walkinForm.organisation : walkinForm.first_name).focus();
  });

  search.addEventListener("input", render);
  missingOnly.addEventListener("change", render);

  // ---------------------------------------------------------------- server

  function isJson(response) {
    return (response.headers.get("content-type") || "").includes("application/json");
  }

  function loadData() {
    return fetch(dataUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok || !isJson(response)) throw new Error("no data");
        fromCache = response.headers.get("X-Checkin-Cache") === "offline";
        return response.json();
      })
      .then((data) => {
        server = data;
        if (data.csrf_token && !fromCache) csrfToken = data.csrf_token;
        el("checkin-loading").hidden = true;
        render();
      })
      .catch(() => {
        if (!server.loaded_at) el("checkin-loading").textContent = texts.load_failed;
      });
  }

  // The server's answers, laid onto the list at once (the fresh list follows when it can be loaded).
  function applyResults(sent, results) {
    const byId = new Map(server.invitees.map((inv) => [inv.id, inv]));
    results.forEach((result) => {
      const entry = sent.find((e) => e.client_id === result.client_id);
      if (!entry) return;
      if (result.status === "refused") {
        say(fill(texts.refused, { name: entry.name || "", message: result.message }), "danger");
        return;
      }
      let inv = byId.get(result.invitee_id);
      if (!inv && entry.walk_in && result.invitee_id) {
        inv = {
          id: result.invitee_id, name: entry.name, sort: "", organisation: entry.walk_in.organisation || "",
          role: "guest", role_label: entry.role_label, voting: false, walk_in: true,
        };
        server.invitees.push(inv);
        byId.set(inv.id, inv);
      }
      if (inv) {
        inv.attended = !entry.undo;
        inv.checked_in_at = entry.undo ? null : entry.checked_in_at;
      }
    });
  }

  async function sync() {
    if (syncing) return;
    if (!navigator.onLine) { renderSync(); return; }
    syncing = true;
    renderSync();
    try {
      for (;;) {
        const sent = queue.slice(0, BATCH);
        if (!sent.length) break;
        const response = await fetch(syncUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
          body: JSON.stringify({
            entries: sent.map((e) => ({
              client_id: e.client_id, checked_in_at: e.checked_in_at, invitee_id: e.invitee_id,
              walk_in_client_id: e.walk_in_client_id, undo: Boolean(e.undo), walk_in: e.walk_in,
            })),
          }),
        });
        if (!isJson(response)) {
          // a login page (the session ended) or a CSRF error page: a fresh token, and later again
          lastProblem = response.redirected ? texts.login_again : texts.send_failed;
          await loadData();
          break;
        }
        const answer = await response.json();
        if (!response.ok) {
          lastProblem = answer.error || texts.send_failed;
          break;
        }
        applyResults(sent, answer.results || []);
        const answered = new Set((answer.results || []).map((r) => r.client_id));
        await deleteEntries(sent.filter((e) => answered.has(e.client_id)).map((e) => e.client_id));
        queue = queue.filter((e) => !answered.has(e.client_id));
        lastProblem = "";
        if (!answered.size) break;
      }
    } catch (error) {
      lastProblem = texts.send_failed;  // no network after all, or the answer was lost: sent again later
    } finally {
      syncing = false;
    }
    if (!queue.length && !lastProblem) await loadData();
    render();
  }

  window.addEventListener("online", () => { lastProblem = ""; sync(); });
  window.addEventListener("offline", renderSync);
  setInterval(() => { if (queue.length) sync(); }, RETRY_MS);

  // ---------------------------------------------------------------- offline data

  el("checkin-clear").addEventListener("click", async () => {
    if (queue.length) { say(texts.clear_refused, "warning"); return; }
    if ("serviceWorker" in navigator) {
      const registration = await navigator.serviceWorker.getRegistration(root.dataset.scope);
      if (registration) await registration.unregister();
    }
    if (window.caches) {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith("regionetz-checkin-" + meetingId + "-"))
        .map((n) => caches.delete(n)));
    }
    say(texts.cleared, "secondary");
  });

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(root.dataset.workerUrl, { scope: root.dataset.scope })
      .then(() => { root.dataset.worker = "registered"; })
      .catch(() => { root.dataset.worker = "failed"; });
    navigator.serviceWorker.ready.then(() => { root.dataset.worker = "ready"; });
  }

  // ---------------------------------------------------------------- start

  registerWorker();
  readQueue()
    .then((entries) => { queue = entries; })
    .catch(() => { queue = []; })
    .then(loadData)
    .then(() => { render(); return sync(); })
    .then(() => { root.dataset.ready = "true"; });
})();
