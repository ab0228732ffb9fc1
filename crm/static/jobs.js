/* The progress of background jobs (campaign sending, imports, letters, exports, the list "My jobs"): every
   element with class "job-progress" and a data-job-url polls that job's progress (JSON) until it has ended,
   and fills in .progress-bar, .job-done, .job-total, .job-status, .job-message and the job's own counts
   ([data-count=key] for each key of its details) inside it. When the job ends the
   page is reloaded once for its result (data-reload="false": only the row is updated).
   No framework, no CDN. */
(function () {
  "use strict";
  var fmt = new Intl.NumberFormat("de-DE");

  function watch(box) {
    var url = box.getAttribute("data-job-url");
    var reload = box.getAttribute("data-reload") !== "false";
    var bar = box.querySelector(".progress-bar");
    var outer = box.querySelector(".progress");
    var failures = 0;

    function set(selector, text) {
      var el = box.querySelector(selector);
      if (el && text !== undefined && text !== null) { el.textContent = text; }
    }

    function show(data) {
      if (bar) {
        bar.style.width = data.percent + "%";
        bar.textContent = data.percent + " %";
      }
      if (outer) { outer.setAttribute("aria-valuenow", String(data.percent)); }
      set(".job-done", fmt.format(data.done));
      set(".job-total", fmt.format(data.total));
      set(".job-status", data.status_label);
      if (data.message) { set(".job-message", data.message); }
      Object.keys(data.details || {}).forEach(function (key) {
        set("[data-count='" + key + "']", fmt.format(data.details[key]));
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
            if (bar) {
              bar.classList.remove("progress-bar-animated", "progress-bar-striped");
              if (data.status === "failed") { bar.classList.add("bg-danger"); }
            }
            if (reload) { window.location.reload(); }
            return;
          }
          window.setTimeout(poll, 1000);
        })
        .catch(function () {
          failures += 1;
          if (failures < 10) { window.setTimeout(poll, 3000); }
        });
    }

    if (box.getAttribute("data-running") === "true") { poll(); }
  }

  Array.prototype.forEach.call(document.querySelectorAll(".job-progress[data-job-url]"), watch);
})();
