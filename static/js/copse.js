/* Copse: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  if (zone) {
    // Visitors who are not logged in see times in their browser's zone from the next page on.
    if (document.body.getAttribute("data-visitor") === "1") {
      var cookie = "copse_tz=" + zone.replace(/[^A-Za-z0-9/_+-]/g, "");
      if (document.cookie.split("; ").indexOf(cookie) === -1) {
        document.cookie = cookie + "; path=/; max-age=31536000; SameSite=Lax";
      }
    }
    // Sign-up: start from the browser's zone unless the person already chose one.
    document.querySelectorAll("input[data-detect-timezone]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("list"));
      var offered = list && list.querySelector('option[value="' + zone.replace(/"/g, "") + '"]');
      if (offered && (!input.value || input.value === input.defaultValue) && !input.dataset.chosen) {
        input.value = zone;
      }
      input.addEventListener("input", function () { input.dataset.chosen = "1"; });
    });
  }
})();
