/* Live EMG biofeedback page (therapist view and the patient's second screen).
 *
 * Frames arrive on the session's socket (~25 Hz): envelope points at 100/s with seq numbers.
 * A hole in seq asks the server to resync that range from the stored recording (backfill).
 * Two scrolling traces and the bars are drawn on canvas once per animation frame; threshold lines
 * are dragged on the bars and sent as control messages. Audio (Web Audio): a tone following the
 * target amplitude and an alert when the ceiling is crossed; muted until the user turns it on.
 * window.bfLog keeps, per drawn frame, the page clock at draw time and the device time of the
 * frame's last sample (benchmarks/live_latency.py and the browser tests read it).
 */
(function () {
  "use strict";
  var root = document.getElementById("bf-root");
  if (!root) { return; }
  var view = root.dataset.view;
  var initial = JSON.parse(document.getElementById("bf-initial").textContent);
  var state = initial;
  var COLORS = ["#2563eb", "#db2777"];
  var RING = 1200;  // points kept (12 s at 100 points/s)
  var SHOWN = 1000; // points drawn (10 s)
  var ring = [new Float32Array(RING), new Float32Array(RING)];
  var ringIndex = new Float64Array(RING).fill(-1);
  var latestPoint = -1;
  var lastSeq = -1;
  var recording = null;
  var gaps = 0;
  var lastFrame = null;
  var lastFrameAt = 0;
  var smoothRatio = null;
  var pendingDraw = [];
  var socket = null;
  var retry = 0;
  var threshold = state.threshold_pct;
  var ceiling = state.ceiling_pct;
  var dragging = null;
  var lastSent = 0;
  var log = [];
  window.bfLog = log;
  window.bfStats = { frames: 0, gaps: 0, backfills: 0 };

  var el = function (id) { return document.getElementById(id); };
  var traces = el("bf-traces");
  var bars = el("bf-bars");

  function wallMs() { return performance.timeOrigin + performance.now(); }

  function setText(id, text) { var node = el(id); if (node) { node.textContent = text; } }

  function roles() { return state.roles || {}; }

  function calibrated() { return !!state.calibration; }

  // --- state (mirrors sessions/biofeedback/live.py protocol_state, with the local thresholds) ---
  function localState(frame) {
    if (frame.state === "lead_off" || frame.state === "no_signal") { return frame.state; }
    var r = roles();
    var env = frame.envelope, pct = frame.percent;
    if (state.protocol === "symmetry") {
      if (frame.ratio === null) { return "rest"; }
      return threshold !== null && frame.ratio * 100 >= threshold ? "reward" : "active";
    }
    var target = pct[r.target];
    if (target === null || target === undefined) { return env[r.target] === null ? "no_signal" : "uncalibrated"; }
    if (state.protocol === "inhibition") {
      var inhibit = pct[r.inhibit];
      if (ceiling !== null && inhibit !== null && inhibit > ceiling) { return "alert"; }
    }
    if (threshold !== null && target >= threshold) { return "reward"; }
    return target > 10 ? "active" : "rest";
  }

  var STATE_TEXT = {
    therapist: { reward: "In zone", alert: "Ceiling crossed", active: "Working", rest: "At rest", lead_off: "Electrode off",
      no_signal: "No signal", uncalibrated: "Calibrate first", connecting: "Connecting", disconnected: "Chair not streaming" },
    patient: { reward: "Great — hold it!", alert: "Relax your eye", active: "Keep going", rest: "Ready", lead_off: "Check the electrode",
      no_signal: "Waiting…", uncalibrated: "Waiting…", connecting: "Waiting…", disconnected: "Waiting…" }
  };

  function showState(name) {
    root.dataset.state = name;
    setText("bf-state", STATE_TEXT[view][name] || name);
  }

  // --- socket ---
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.ws);
    // lastSeq survives a reconnect: the first frame after it shows the hole, which is resynced.
    socket.onopen = function () { retry = 0; setConn("Live", "ok"); };
    socket.onmessage = function (event) { onMessage(JSON.parse(event.data)); };
    socket.onclose = function () {
      setConn("Reconnecting…", "warn");
      retry = Math.min(retry + 1, 6);
      window.setTimeout(connect, 250 * Math.pow(2, retry));
    };
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); }
  }

  function setConn(text, level) {
    var node = el("bf-conn");
    if (node) { node.textContent = text; node.dataset.level = level; }
  }

  function onMessage(msg) {
    if (msg.type === "frame") { onFrame(msg); }
    else if (msg.type === "backfill") { writeSegments(msg.segments); window.bfStats.backfills += 1; }
    else if (msg.type === "state") { applyState(msg); }
    else if (msg.type === "error") { setConn(msg.message, "warn"); }
  }

  function applyState(next) {
    state = next;
    if (!dragging) { threshold = next.threshold_pct; ceiling = next.ceiling_pct; }
    showThresholds();
    var trial = next.trial;
    if (view === "patient") {
      setText("bf-screen-prompt", trial ? trial.prompt : (next.ended ? "Session finished — well done" : "Relax your face"));
      setText("bf-screen-cue", trial ? trial.emotional_cue : "");
    } else {
      setText("bf-trial-now", trial ? "Trial " + trial.number + ": " + trial.prompt + (trial.emotional_cue ? " — “" + trial.emotional_cue + "”" : "") : "");
      var stop = el("bf-trial-stop");
      if (stop) { stop.disabled = !trial; }
      setText("bf-cal-status", next.calibration ? "Calibrated: rest " + next.calibration.rest.map(fixed1).join(" / ") + " µV, maximum " + next.calibration.maximum.map(fixed1).join(" / ") + " µV." : "Not calibrated yet.");
    }
  }

  function fixed1(value) { return Number(value).toFixed(1); }

  function writeSegments(segments) {
    segments.forEach(function (segment) {
      var n = segment.points[0].length;
      for (var i = 0; i < n; i++) {
        var idx = segment.point_from + i;
        var slot = idx % RING;
        ring[0][slot] = segment.points[0][i] === null ? NaN : segment.points[0][i];
        ring[1][slot] = segment.points[1] && segment.points[1][i] !== null ? segment.points[1][i] : NaN;
        ringIndex[slot] = idx;
        if (idx > latestPoint) { latestPoint = idx; }
      }
    });
  }

  function onFrame(frame) {
    window.bfStats.frames += 1;
    if (frame.recording !== recording) {
      // A new recording (the chair's agent restarted): its seq and sample positions start again.
      recording = frame.recording; lastSeq = -1; latestPoint = -1; ringIndex.fill(-1);
    }
    if (lastSeq >= 0 && frame.seq_from > lastSeq + 1) {
      gaps += 1;
      window.bfStats.gaps = gaps;
      send({ type: "resync", from_seq: lastSeq + 1, to_seq: frame.seq_from - 1 });
      setText("bf-gaps", gaps + " gap(s) resynced");
    }
    if (frame.seq_to > lastSeq) { lastSeq = frame.seq_to; }
    writeSegments(frame.segments);
    if (frame.ratio !== null) {
      smoothRatio = smoothRatio === null ? frame.ratio : smoothRatio + 0.35 * (frame.ratio - smoothRatio);
    } else {
      smoothRatio = null;
    }
    lastFrame = frame;
    lastFrameAt = performance.now();
    pendingDraw.push(frame);
  }

  // --- drawing ---
  function draw() {
    var now = performance.now();
    if (lastFrame && now - lastFrameAt > 1500) { showState("disconnected"); setConn("No data from the chair", "warn"); }
    drawTraces();
    drawBars();
    if (pendingDraw.length) {
      var frame = pendingDraw[pendingDraw.length - 1];
      var shown = localState(frame);
      showState(shown);
      updateReadout(frame);
      var drawnAt = wallMs();
      pendingDraw.forEach(function (f) {
        log.push({ drawn_ms: drawnAt, device_end_us: f.device_end_us, sample_end: f.sample_end, seq: f.seq_to,
          ratio: f === frame && state.protocol === "symmetry" ? smoothRatio : f.ratio, state: f === frame ? shown : f.state });
      });
      if (log.length > 20000) { log.splice(0, log.length - 20000); }
      pendingDraw = [];
      updateSound(frame, shown);
      setConn("Live", "ok");
    }
    window.requestAnimationFrame(draw);
  }

  function updateReadout(frame) {
    var r = roles();
    if (state.protocol === "symmetry") {
      setText("bf-ratio", smoothRatio === null ? "—" : smoothRatio.toFixed(2));
    } else if (state.protocol === "inhibition") {
      setText("bf-ratio", frame.ratio === null ? "—" : frame.ratio.toFixed(2));
    } else {
      var p = frame.percent[r.target];
      setText("bf-ratio", p === null ? "—" : Math.round(p) + " %");
    }
    var problems = [];
    frame.lead_off.forEach(function (off, c) { if (off) { problems.push("Ch " + (c + 1) + " electrode off"); } });
    frame.noise.forEach(function (noisy, c) { if (noisy) { problems.push("Ch " + (c + 1) + " noisy"); } });
    var quality = el("bf-quality");
    if (quality) { quality.textContent = problems.length ? problems.join(" · ") : "Signal good"; quality.dataset.level = problems.length ? "warn" : "ok"; }
  }

  function showThresholds() {
    setText("bf-threshold", threshold === null ? "—" : Math.round(threshold) + (state.protocol === "symmetry" ? " % of healthy" : " %"));
    setText("bf-ceiling", ceiling === null ? "—" : Math.round(ceiling) + " %");
  }

  function fitCanvas(canvas) {
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio);
    }
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { ctx: ctx, w: w, h: h };
  }

  function drawTraces() {
    if (!traces) { return; }
    var c = fitCanvas(traces), ctx = c.ctx;
    ctx.clearRect(0, 0, c.w, c.h);
    ctx.fillStyle = "#fbfcfd"; ctx.fillRect(0, 0, c.w, c.h);
    if (latestPoint < 0) { return; }
    var first = latestPoint - SHOWN + 1;
    var peak = 20;
    for (var k = first; k <= latestPoint; k++) {
      var s = ((k % RING) + RING) % RING;
      if (ringIndex[s] !== k) { continue; }
      for (var ch = 0; ch < 2; ch++) { if (ring[ch][s] > peak) { peak = ring[ch][s]; } }
    }
    peak *= 1.15;
    var lane = c.h / 2;
    ctx.font = "12px system-ui, sans-serif";
    for (var chan = 0; chan < 2; chan++) {
      var top = chan * lane;
      ctx.strokeStyle = "#e4e7eb"; ctx.beginPath(); ctx.moveTo(0, top + lane - 0.5); ctx.lineTo(c.w, top + lane - 0.5); ctx.stroke();
      ctx.strokeStyle = COLORS[chan]; ctx.lineWidth = 2; ctx.beginPath();
      var pen = false;
      for (var i = first; i <= latestPoint; i++) {
        var slot = ((i % RING) + RING) % RING;
        var v = ringIndex[slot] === i ? ring[chan][slot] : NaN;
        var x = (i - first) / (SHOWN - 1) * c.w;
        if (isNaN(v)) { pen = false; continue; }
        var y = top + lane - 4 - (v / peak) * (lane - 18);
        if (pen) { ctx.lineTo(x, y); } else { ctx.moveTo(x, y); pen = true; }
      }
      ctx.stroke();
      ctx.fillStyle = COLORS[chan];
      ctx.fillText(((state.labels || [])[chan] || "Channel " + (chan + 1)) + "  (µV RMS, 10 s)", 8, top + 14);
    }
    ctx.lineWidth = 1;
  }

  // Bars in % of calibration (0–150 %), or µV when not calibrated. Symmetry adds a ratio gauge.
  function barLayout(c) {
    var columns = state.protocol === "symmetry" ? 3 : 2;
    var gap = 12, width = (c.w - gap * (columns + 1)) / columns;
    return { columns: columns, gap: gap, width: width, top: 22, bottom: c.h - 26 };
  }

  function yOf(layout, pct) {
    var clamped = Math.max(0, Math.min(150, pct));
    return layout.bottom - (clamped / 150) * (layout.bottom - layout.top);
  }

  function linesOnBars() {
    var r = roles(), lines = [];
    if (state.protocol === "symmetry") {
      if (threshold !== null) { lines.push({ column: 2, value: threshold, kind: "threshold", color: "#15803d" }); }
    } else {
      if (threshold !== null) { lines.push({ column: r.target, value: threshold, kind: "threshold", color: "#15803d" }); }
      if (state.protocol === "inhibition" && ceiling !== null) { lines.push({ column: r.inhibit, value: ceiling, kind: "ceiling", color: "#b91c1c" }); }
    }
    return lines;
  }

  // "Zygomaticus major L" -> "Zygomat. L": bars are narrow.
  function shortLabel(name, number) {
    if (!name) { return "Ch " + number; }
    var words = name.split(" ");
    var first = words[0].length > 8 ? words[0].slice(0, 7) + "." : words[0];
    return words.length > 1 ? first + " " + words[words.length - 1] : first;
  }

  function drawBars() {
    if (!bars) { return; }
    var c = fitCanvas(bars), ctx = c.ctx, layout = barLayout(c);
    ctx.clearRect(0, 0, c.w, c.h);
    var frame = lastFrame;
    var values = [0, 0], labels = [];
    var useUv = !calibrated();
    var uvTop = 200;
    if (frame) {
      for (var ch = 0; ch < 2; ch++) {
        if (useUv) { values[ch] = frame.envelope[ch] === null ? 0 : frame.envelope[ch] / uvTop * 100; }
        else { values[ch] = frame.percent[ch] === null ? 0 : frame.percent[ch]; }
      }
    }
    var names = state.labels || ["Ch 1", "Ch 2"];
    labels = [shortLabel(names[0], 1), shortLabel(names[1], 2)];
    if (layout.columns === 3) { values.push(smoothRatio === null ? 0 : smoothRatio * 100); labels.push("Ratio"); }
    ctx.font = (view === "patient" ? "16px" : "12px") + " system-ui, sans-serif";
    ctx.textAlign = "center";
    var rewarded = root.dataset.state === "reward", alerting = root.dataset.state === "alert";
    for (var col = 0; col < layout.columns; col++) {
      var x = layout.gap + col * (layout.width + layout.gap);
      ctx.fillStyle = "#eef2f6"; ctx.fillRect(x, layout.top, layout.width, layout.bottom - layout.top);
      var color = col < 2 ? COLORS[col] : (rewarded ? "#15803d" : "#52606d");
      if (alerting && state.protocol === "inhibition" && col === roles().inhibit) { color = "#b91c1c"; }
      if (rewarded && state.protocol !== "symmetry" && col === roles().target) { color = "#15803d"; }
      ctx.fillStyle = color;
      var y = yOf(layout, values[col]);
      ctx.fillRect(x, y, layout.width, layout.bottom - y);
      ctx.fillStyle = "#1f2933";
      ctx.fillText(labels[col], x + layout.width / 2, c.h - 8);
      ctx.fillText(col === 2 ? (smoothRatio === null ? "—" : Math.round(smoothRatio * 100) + " %") : (useUv ? Math.round(values[col] * uvTop / 100) + " µV" : Math.round(values[col]) + " %"), x + layout.width / 2, 16);
    }
    linesOnBars().forEach(function (line) {
      var lx = layout.gap + line.column * (layout.width + layout.gap);
      var ly = yOf(layout, line.value);
      ctx.strokeStyle = "#ffffff"; ctx.lineWidth = 7;
      ctx.beginPath(); ctx.moveTo(lx - 6, ly); ctx.lineTo(lx + layout.width + 6, ly); ctx.stroke();
      ctx.strokeStyle = line.color; ctx.lineWidth = 3; ctx.setLineDash([8, 5]);
      ctx.beginPath(); ctx.moveTo(lx - 6, ly); ctx.lineTo(lx + layout.width + 6, ly); ctx.stroke();
      ctx.setLineDash([]); ctx.lineWidth = 1;
    });
  }

  // --- threshold drags (therapist view) ---
  function pointerPct(event) {
    var rect = bars.getBoundingClientRect();
    var layout = barLayout({ w: rect.width, h: rect.height });
    var y = event.clientY - rect.top;
    var pct = (layout.bottom - y) / (layout.bottom - layout.top) * 150;
    return { pct: Math.max(0, Math.min(150, pct)), layout: layout, x: event.clientX - rect.left, y: y };
  }

  function sendLine(kind, value, force) {
    var now = performance.now();
    if (!force && now - lastSent < 100) { return; }
    lastSent = now;
    var rounded = Math.round(value * 10) / 10;
    if (kind === "threshold") { send({ type: "threshold", threshold_pct: rounded }); }
    else { send({ type: "ceiling", ceiling_pct: rounded }); }
  }

  if (bars && view === "therapist") {
    bars.addEventListener("pointerdown", function (event) {
      var p = pointerPct(event);
      var best = null;
      linesOnBars().forEach(function (line) {
        var lx = p.layout.gap + line.column * (p.layout.width + p.layout.gap);
        var ly = yOf(p.layout, line.value);
        if (p.x >= lx - 10 && p.x <= lx + p.layout.width + 10 && Math.abs(p.y - ly) < 18) { best = line; }
      });
      if (best) { dragging = best.kind; bars.setPointerCapture(event.pointerId); event.preventDefault(); }
    });
    bars.addEventListener("pointermove", function (event) {
      if (!dragging) { return; }
      var p = pointerPct(event);
      if (dragging === "threshold") { threshold = p.pct; } else { ceiling = p.pct; }
      showThresholds();
      sendLine(dragging, p.pct, false);
    });
    var release = function () {
      if (!dragging) { return; }
      sendLine(dragging, dragging === "threshold" ? threshold : ceiling, true);
      dragging = null;
    };
    bars.addEventListener("pointerup", release);
    bars.addEventListener("pointercancel", release);
  }

  // --- audio ---
  var audio = null, muted = true, lastBeep = 0;
  function ensureAudio() {
    if (audio) { return audio; }
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return null; }
    var ctx = new Ctx();
    var tone = ctx.createOscillator(), gain = ctx.createGain();
    tone.type = "sine"; tone.frequency.value = 220; gain.gain.value = 0;
    tone.connect(gain); gain.connect(ctx.destination); tone.start();
    audio = { ctx: ctx, tone: tone, gain: gain };
    return audio;
  }

  function beep(a) {
    var osc = a.ctx.createOscillator(), g = a.ctx.createGain(), t = a.ctx.currentTime;
    osc.type = "square"; osc.frequency.value = 988;
    g.gain.setValueAtTime(0.08, t); g.gain.exponentialRampToValueAtTime(0.0001, t + 0.18);
    osc.connect(g); g.connect(a.ctx.destination); osc.start(t); osc.stop(t + 0.2);
  }

  function updateSound(frame, shown) {
    if (muted || !audio) { return; }
    var r = roles(), level;
    if (state.protocol === "symmetry") { level = smoothRatio === null ? 0 : Math.min(1.5, smoothRatio) * 100; }
    else { level = frame.percent[r.target] === null ? 0 : frame.percent[r.target]; }
    var t = audio.ctx.currentTime;
    audio.tone.frequency.setTargetAtTime(220 + Math.max(0, Math.min(150, level)) * 4, t, 0.05);
    audio.gain.gain.setTargetAtTime(shown === "rest" || shown === "no_signal" ? 0 : 0.05, t, 0.05);
    if (shown === "alert" && performance.now() - lastBeep > 400) { lastBeep = performance.now(); beep(audio); }
  }

  var muteButton = el("bf-mute");
  if (muteButton) {
    muteButton.addEventListener("click", function () {
      muted = !muted;
      var a = ensureAudio();
      if (a) { if (muted) { a.gain.gain.value = 0; } else { a.ctx.resume(); } }
      muteButton.textContent = muted ? "Sound off" : "Sound on";
      muteButton.setAttribute("aria-pressed", muted ? "true" : "false");
    });
  }

  // --- therapist controls: calibration and trials ---
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.error ? data.error.message : "Request failed"); }
          return data;
        });
      });
  }

  if (view === "therapist") {
    Array.prototype.forEach.call(document.querySelectorAll("[data-cal]"), function (button) {
      button.addEventListener("click", function () {
        var seconds = Number(button.dataset.seconds);
        var status = el("bf-cal-status");
        var left = seconds;
        button.disabled = true;
        status.textContent = button.textContent + ": " + left + " s…";
        var timer = window.setInterval(function () {
          left -= 1;
          if (left > 0) { status.textContent = button.textContent + ": " + left + " s…"; return; }
          window.clearInterval(timer);
          var body = { kind: button.dataset.cal, seconds: seconds };
          if (button.dataset.channel !== undefined) { body.channel = Number(button.dataset.channel); }
          post(root.dataset.calibrateUrl, body).then(function (next) {
            applyState(next); button.disabled = false; button.classList.add("done");
            if (!next.calibration) { status.textContent = "Step recorded. Next step."; }
          }).catch(function (error) { status.textContent = error.message; button.disabled = false; });
        }, 1000);
      });
    });
    var prompt = el("bf-prompt"), cue = el("bf-cue");
    prompt.addEventListener("change", function () { cue.value = prompt.selectedOptions[0].dataset.cue || ""; });
    var trialId = null, trialTimer = null;
    var stopTrial = function () {
      if (trialId === null) { return; }
      var id = trialId; trialId = null;
      window.clearTimeout(trialTimer);
      post(root.dataset.stopUrl.replace("/0/", "/" + id + "/"), {}).then(function (data) { applyState(data.state); });
    };
    el("bf-trial-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var duration = Number(el("bf-duration").value) || 10;
      post(root.dataset.trialUrl, { prompt: prompt.value, emotional_cue: cue.value, duration_s: duration }).then(function (data) {
        trialId = data.trial; applyState(data.state);
        trialTimer = window.setTimeout(stopTrial, duration * 1000);
      }).catch(function (error) { setText("bf-trial-now", error.message); });
    });
    el("bf-trial-stop").addEventListener("click", stopTrial);
  }

  applyState(initial);
  showState("connecting");
  connect();
  window.requestAnimationFrame(draw);
})();
