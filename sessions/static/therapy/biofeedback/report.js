/* Session report page: poll the report status while the task runs, then reload to show it. */
(function () {
  "use strict";
  var box = document.getElementById("bf-report");
  if (!box || box.dataset.status === "done" || box.dataset.status === "none") { return; }
  var bar = document.getElementById("bf-report-progress");
  var text = document.getElementById("bf-report-status");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      if (bar) { bar.value = data.progress; }
      if (data.status === "done") { window.location.reload(); return; }
      if (data.status === "failed") { if (text) { text.textContent = "The report failed: " + data.error; } return; }
      if (text) { text.textContent = "Analysing the recording… " + data.progress + " %"; }
      window.setTimeout(poll, 700);
    }).catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
})();
