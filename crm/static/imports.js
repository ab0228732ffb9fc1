/* RegioNetz import, duplicate and merge pages: confirmations on buttons, radios that submit. No inline scripts (CSP). */
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
})();
