// Evaluation form: eFACE sliders kept in step with their number fields, and live scores computed by
// the server's own scoring code (POST /api/v1/scales/<scale>/score/) so the page never disagrees with
// what will be stored. Without JavaScript the form still works: scores appear after saving.
(function () {
  "use strict";
  var form = document.getElementById("evaluation-form");
  if (!form) return;
  var scoreUrl = form.getAttribute("data-score-url") || "/api/v1/scales/";
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var timers = {};
  var sequence = {};

  function fmt(value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(1);
    return String(value);
  }

  function lookup(object, path) {
    return path.split(".").reduce(function (acc, key) {
      return acc === null || acc === undefined ? undefined : acc[key];
    }, object);
  }

  // --- eFACE sliders -------------------------------------------------------------------------
  form.querySelectorAll("input.eface-range").forEach(function (range) {
    var number = document.getElementById(range.getAttribute("data-for"));
    if (!number) return;
    range.addEventListener("input", function () {
      number.value = range.value;
      range.classList.remove("unset");
      number.dispatchEvent(new Event("input", { bubbles: true }));
    });
    number.addEventListener("input", function (event) {
      if (event.isTrusted === false && event.target === number && range.value === number.value) return;
      if (number.value === "") {
        range.classList.add("unset");
      } else {
        range.value = number.value;
        range.classList.remove("unset");
      }
    });
  });

  // --- Live scoring ------------------------------------------------------------------------------
  function itemsOf(section) {
    var scale = section.getAttribute("data-scale");
    var prefix = scale + "-";
    var items = {};
    new FormData(form).forEach(function (value, name) {
      if (name.indexOf(prefix) !== 0) return;
      var code = name.slice(prefix.length);
      if (value !== "") items[code] = value;
      else if (!(code in items)) items[code] = null;
    });
    return items;
  }

  function showErrors(section, fields) {
    section.querySelectorAll("[data-error-for]").forEach(function (el) {
      var key = el.getAttribute("data-error-for").replace("-", ".");
      var messages = fields && fields[key];
      el.textContent = messages ? messages.join(" ") : "";
      el.hidden = !messages;
    });
  }

  function render(section, scores) {
    section.querySelectorAll("[data-out]").forEach(function (el) {
      el.textContent = fmt(lookup(scores, el.getAttribute("data-out")));
    });
    section.querySelectorAll("[data-out-list]").forEach(function (list) {
      var values = lookup(scores, list.getAttribute("data-out-list")) || [];
      list.textContent = "";
      if (!values.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = "No flags.";
        list.appendChild(none);
      }
      values.forEach(function (text) {
        var li = document.createElement("li");
        li.textContent = text;
        list.appendChild(li);
      });
    });
    var status = section.querySelector("[data-out-status]");
    if (status) {
      var items = itemsOf(section);
      var started = Object.keys(items).some(function (k) { return items[k] !== null; });
      status.className = "badge " + (scores.complete ? "badge-ok" : started ? "badge-warn" : "");
      var done = section.hasAttribute("data-descriptive") ? "recorded" : "complete";
      status.textContent = scores.complete ? done : started ? "in progress" : "not graded";
    }
    var scale = section.getAttribute("data-scale");
    document.querySelectorAll('[data-summary^="' + scale + '."]').forEach(function (el) {
      el.textContent = fmt(lookup(scores, el.getAttribute("data-summary").slice(scale.length + 1)));
    });
  }

  function rescore(section) {
    var scale = section.getAttribute("data-scale");
    var mine = (sequence[scale] = (sequence[scale] || 0) + 1);
    section.setAttribute("aria-busy", "true");
    fetch(scoreUrl + scale + "/score/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
      body: JSON.stringify({ items: itemsOf(section) }),
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (mine !== sequence[scale]) return; // a newer answer is on its way
        section.removeAttribute("aria-busy");
        if (!result.ok) return;
        var errors = result.body.errors || {};
        showErrors(section, errors);
        if (result.body.scores) render(section, result.body.scores);
      })
      .catch(function () {
        section.removeAttribute("aria-busy");
      });
  }

  function schedule(section) {
    var scale = section.getAttribute("data-scale");
    clearTimeout(timers[scale]);
    timers[scale] = setTimeout(function () { rescore(section); }, 180);
    var state = document.querySelector("[data-save-state]");
    if (state) state.textContent = "Unsaved changes";
  }

  form.querySelectorAll("[data-scale]").forEach(function (section) {
    section.addEventListener("input", function () { schedule(section); });
    section.addEventListener("change", function () { schedule(section); });
  });

  // --- Confirmations on buttons and keeping the place after saving ------------------------------
  form.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });
  var anchor = form.querySelector("input[name=anchor]");
  form.addEventListener("focusin", function (event) {
    var section = event.target.closest && event.target.closest("section[id]");
    if (anchor && section) anchor.value = section.id;
  });
})();
