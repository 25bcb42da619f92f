// Questionnaire in the portal: on a phone, one question per screen with a progress bar, moving on
// as soon as an answer is chosen, then a review of every answer before sending. Wider screens keep
// the short form (all questions on one page). Without JavaScript the short form works everywhere.
(function () {
  "use strict";
  var root = document.querySelector("[data-questionnaire]");
  if (!root || !window.matchMedia("(max-width: 700px)").matches) return;
  var items = Array.prototype.slice.call(root.querySelectorAll("[data-q-item]"));
  if (!items.length) return;
  var progress = root.querySelector("[data-q-progress]");
  var bar = root.querySelector("[data-q-bar]");
  var count = root.querySelector("[data-q-count]");
  var nav = root.querySelector("[data-q-nav]");
  var back = root.querySelector("[data-q-back]");
  var next = root.querySelector("[data-q-next]");
  var review = root.querySelector("[data-q-review]");
  var reviewList = root.querySelector("[data-q-review-list]");
  var submit = root.querySelector("[data-q-submit]");
  var current = 0;
  var advanceTimer = null;

  root.classList.add("stepper");
  progress.hidden = false;
  nav.hidden = false;

  function answered(item) {
    return !!item.querySelector("input[type=radio]:checked");
  }

  function answeredCount() {
    return items.filter(answered).length;
  }

  function show(index) {
    current = index;
    var reviewing = index >= items.length;
    items.forEach(function (item, i) { item.hidden = i !== index; });
    review.hidden = !reviewing;
    submit.hidden = !reviewing;
    next.hidden = reviewing;
    back.disabled = index === 0;
    var done = answeredCount();
    bar.style.width = Math.round((100 * done) / items.length) + "%";
    count.textContent = reviewing
      ? "All " + items.length + " questions answered — check and send"
      : "Question " + (index + 1) + " of " + items.length;
    if (reviewing) {
      buildReview();
      submit.focus();
    } else {
      next.disabled = !answered(items[index]);
      next.textContent = index === items.length - 1 ? "Review answers" : "Next";
      var legend = items[index].querySelector("legend");
      if (legend) {
        legend.setAttribute("tabindex", "-1");
        legend.focus({ preventScroll: true });
      }
      window.scrollTo(0, 0);
    }
  }

  function buildReview() {
    reviewList.textContent = "";
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      var question = document.createElement("span");
      question.className = "q-review-q";
      question.textContent = item.querySelector("legend").textContent.replace(/^\s*\d+\.\s*/, "");
      var chosen = item.querySelector("input:checked");
      var row = document.createElement("span");
      row.className = "q-review-a";
      var answer = document.createElement("strong");
      answer.textContent = chosen ? chosen.closest("label").textContent.trim() : "No answer";
      var change = document.createElement("button");
      change.type = "button";
      change.className = "linklike small";
      change.textContent = "Change";
      change.setAttribute("aria-label", "Change the answer to question " + (i + 1));
      change.addEventListener("click", function () { show(i); });
      row.appendChild(answer);
      row.appendChild(change);
      li.appendChild(question);
      li.appendChild(row);
      reviewList.appendChild(li);
    });
  }

  function firstUnanswered() {
    for (var i = 0; i < items.length; i++) if (!answered(items[i])) return i;
    return items.length;
  }

  root.addEventListener("change", function (event) {
    if (event.target.type !== "radio") return;
    next.disabled = false;
    var done = answeredCount();
    bar.style.width = Math.round((100 * done) / items.length) + "%";
    clearTimeout(advanceTimer);
    // A short pause lets the patient see the choice they tapped before the next question slides in.
    advanceTimer = setTimeout(function () {
      show(current === items.length - 1 ? firstUnanswered() : current + 1);
    }, 260);
  });
  next.addEventListener("click", function () {
    clearTimeout(advanceTimer);
    show(current === items.length - 1 ? firstUnanswered() : current + 1);
  });
  back.addEventListener("click", function () {
    clearTimeout(advanceTimer);
    if (current > 0) show(current - 1);
  });

  var withError = items.findIndex(function (item) { return item.classList.contains("has-error"); });
  show(withError >= 0 ? withError : Math.min(firstUnanswered(), items.length - 1));
})();
