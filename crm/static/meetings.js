/* Meetings: copy a calendar address to the clipboard (no inline scripts: CSP). */
(function () {
  "use strict";
  if (window.regionetzMeetings) return;  // the panel may be on a page more than once
  window.regionetzMeetings = true;

  function copy(button) {
    const input = document.getElementById(button.dataset.copyTarget);
    if (!input) return;
    const done = () => {
      const label = button.textContent;
      button.textContent = button.dataset.copied || label;
      setTimeout(() => { button.textContent = label; }, 1500);
    };
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, () => { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.copy-feed");
    if (button) copy(button);
  });
})();
