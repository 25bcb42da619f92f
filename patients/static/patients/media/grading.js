// Grading progress on the photo set page: polls the run's status until it finishes, then reloads
// to show the overlays, measures and suggestions. Also ticks an item when its value is edited.
(function () {
  "use strict";

  function setProgress(bar, value) {
    var fill = bar.querySelector("[data-progress]") || bar.firstElementChild;
    bar.setAttribute("aria-valuenow", String(value));
    if (fill) fill.style.width = Math.max(0, Math.min(100, value)) + "%";
  }

  document.querySelectorAll(".progress[aria-valuenow]").forEach(function (bar) {
    setProgress(bar, Number(bar.getAttribute("aria-valuenow")) || 0);
  });

  document.querySelectorAll(".suggestions tr[data-item]").forEach(function (row) {
    var input = row.querySelector("input[type=number]");
    var box = row.querySelector("input[type=checkbox]");
    if (input && box) input.addEventListener("input", function () { box.checked = true; });
  });

  var panel = document.getElementById("grading");
  if (!panel || !panel.dataset.statusUrl) return;
  var state = panel.dataset.status;
  if (state !== "queued" && state !== "running") return;

  var labels = { queued: "Queued", running: "Grading", done: "Finished", failed: "Failed" };
  var itemLabels = { pending: "Waiting", measured: "Measured", failed: "Not measured" };
  var bar = panel.querySelector(".progress");
  var stage = panel.querySelector("[data-stage]");
  var badge = panel.querySelector("[data-run-status]");
  var failures = 0;

  function update(data) {
    if (bar) setProgress(bar, data.progress);
    if (stage) stage.textContent = data.stage || "";
    if (badge) badge.textContent = labels[data.status] || data.status;
    (data.assets || []).forEach(function (item) {
      var li = panel.querySelector('[data-asset="' + item.id + '"]');
      if (!li) return;
      li.className = "stage-" + item.status;
      var em = li.querySelector("em");
      if (em) em.textContent = itemLabels[item.status] || item.status;
      if (item.failure_message) li.title = item.failure_message;
    });
    if (data.status === "done" || data.status === "failed") {
      window.setTimeout(function () { window.location.reload(); }, 400);
      return false;
    }
    return true;
  }

  function poll() {
    fetch(panel.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (update(data)) window.setTimeout(poll, 700);
      })
      .catch(function () {
        failures += 1;
        if (stage && failures > 3) stage.textContent = "Lost contact with the server; retrying…";
        window.setTimeout(poll, Math.min(5000, 700 * (failures + 1)));
      });
  }
  poll();
})();
