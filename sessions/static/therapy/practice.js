// Hold timer of the practice page: hold → relax for each repetition, sets in a row.
// Data comes from data-attributes (no inline script: CSP). Vibrates on phones at each change.
(function () {
  "use strict";
  var root = document.getElementById("timer");
  if (!root) return;
  var reps = parseInt(root.getAttribute("data-reps"), 10) || 1;
  var hold = parseInt(root.getAttribute("data-hold"), 10) || 0;
  var sets = parseInt(root.getAttribute("data-sets"), 10) || 1;
  var rest = parseInt(root.getAttribute("data-rest"), 10) || 0;
  var ring = root.querySelector("[data-ring]");
  var count = root.querySelector("[data-count]");
  var phaseLabel = root.querySelector("[data-phase]");
  var progressText = root.querySelector("[data-progress-text]");
  var startBtn = root.querySelector("[data-start]");
  var pauseBtn = root.querySelector("[data-pause]");
  var resetBtn = root.querySelector("[data-reset]");
  var circumference = 2 * Math.PI * 52;
  var holdTime = hold > 0 ? hold : 2; // a repetition without a hold still gets a 2 s movement window
  var state, timerId = null;

  function initial() {
    return { rep: 1, set: 1, phase: "ready", remaining: holdTime, phaseLength: holdTime };
  }

  function buzz(ms) { if (navigator.vibrate) { try { navigator.vibrate(ms); } catch (e) { /* ignored */ } } }

  function render() {
    count.textContent = String(Math.ceil(state.remaining));
    var labels = { ready: "Ready", hold: hold > 0 ? "Hold" : "Move", rest: "Relax", done: "Done" };
    phaseLabel.textContent = labels[state.phase];
    root.classList.toggle("is-rest", state.phase === "rest");
    var fraction = state.phaseLength ? state.remaining / state.phaseLength : 0;
    if (state.phase === "done") fraction = 0;
    ring.setAttribute("stroke-dashoffset", String(circumference * (1 - fraction)));
    if (state.phase === "done") {
      progressText.textContent = "All " + reps + " repetitions done" + (sets > 1 ? " in " + sets + " sets" : "") + ". Log it below.";
    } else {
      progressText.textContent = "Repetition " + state.rep + " of " + reps + (sets > 1 ? ", set " + state.set + " of " + sets : "");
    }
  }

  function next() {
    if (state.phase === "hold") {
      var last = state.rep >= reps && state.set >= sets;
      if (last) { finish(); return; }
      if (rest > 0 || state.rep >= reps) {
        state.phase = "rest";
        state.phaseLength = state.rep >= reps ? Math.max(rest, 10) : rest; // a longer break between sets
        state.remaining = state.phaseLength;
        buzz(80);
        return;
      }
      advanceRep();
    } else if (state.phase === "rest") {
      advanceRep();
    }
  }

  function advanceRep() {
    if (state.rep >= reps) { state.rep = 1; state.set += 1; } else { state.rep += 1; }
    state.phase = "hold";
    state.phaseLength = holdTime;
    state.remaining = holdTime;
    buzz(150);
  }

  function finish() {
    stop();
    state.phase = "done";
    state.remaining = 0;
    buzz([120, 80, 120]);
    startBtn.textContent = "Again";
    var done = document.querySelector("input[name=status][value=done]");
    if (done) done.checked = true;
  }

  function tick() {
    state.remaining -= 0.25;
    if (state.remaining <= 0.001) next();
    render();
  }

  function stop() {
    if (timerId !== null) { window.clearInterval(timerId); timerId = null; }
    pauseBtn.disabled = true;
    startBtn.disabled = false;
  }

  startBtn.addEventListener("click", function () {
    if (state.phase === "done") state = initial();
    if (state.phase === "ready") { state.phase = "hold"; buzz(150); }
    startBtn.disabled = true;
    pauseBtn.disabled = false;
    startBtn.textContent = "Resume";
    timerId = window.setInterval(tick, 250);
    render();
  });
  pauseBtn.addEventListener("click", stop);
  resetBtn.addEventListener("click", function () {
    stop();
    state = initial();
    startBtn.textContent = "Start";
    render();
  });

  state = initial();
  render();
})();
