/* The progress bar of a campaign being sent: polls the job's progress (JSON) until it has ended, then
   reloads the page once for the final counts. No framework, no CDN. */
(function () {
  "use strict";
  var box = document.querySelector(".campaign-progress[data-job-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-job-url");
  var wasRunning = box.getAttribute("data-running") === "true";
  var bar = box.querySelector(".progress-bar");
  var outer = box.querySelector(".progress");
  var done = box.querySelector(".job-done");
  var total = box.querySelector(".job-total");
  var status = box.querySelector(".job-status");
  var fmt = new Intl.NumberFormat("de-DE");
  var failures = 0;

  function show(data) {
    if (bar) {
      bar.style.width = data.percent + "%";
      bar.textContent = data.percent + " %";
    }
    if (outer) { outer.setAttribute("aria-valuenow", String(data.percent)); }
    if (done) { done.textContent = fmt.format(data.done); }
    if (total) { total.textContent = fmt.format(data.total); }
    if (status) { status.textContent = data.status_label; }
    Object.keys(data.details || {}).forEach(function (key) {
      var cell = box.querySelector("[data-count='" + key + "']");
      if (cell) { cell.textContent = fmt.format(data.details[key]); }
    });
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (data.finished || data.interrupted) {
          if (bar) { bar.classList.remove("progress-bar-animated", "progress-bar-striped"); }
          if (wasRunning) { window.location.reload(); }
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        failures += 1;
        if (failures < 10) { window.setTimeout(poll, 3000); }
      });
  }

  if (wasRunning) { poll(); }
})();
