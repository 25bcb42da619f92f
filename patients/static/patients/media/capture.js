// Browser camera for the standard photo set: a live preview under an on-screen guide (face oval, eye
// line, midline), one expression after another with its instruction; each photo is uploaded to the
// same validated endpoint as a file, and a refusal (no face, several faces…) is shown at once.
(function () {
  "use strict";
  var root = document.querySelector("[data-capture]");
  var configNode = document.getElementById("capture-config");
  if (!root || !configNode) return;
  var config = JSON.parse(configNode.textContent);
  var steps = config.steps;
  var video = root.querySelector("[data-camera]");
  var still = root.querySelector("[data-still]");
  var message = root.querySelector("[data-camera-message]");
  var label = root.querySelector("[data-step-label]");
  var instruction = root.querySelector("[data-step-instruction]");
  var recordedView = root.querySelector("[data-recorded]");
  var buttons = {
    record: root.querySelector("[data-record]"),
    stop: root.querySelector("[data-stop]"),
    useVideo: root.querySelector("[data-use-video]"),
    take: root.querySelector("[data-take]"),
    retake: root.querySelector("[data-retake]"),
    use: root.querySelector("[data-use]"),
    skip: root.querySelector("[data-skip]"),
    flip: root.querySelector("[data-switch]"),
    grade: root.querySelector("[data-grade]"),
  };
  var csrf = root.querySelector("[data-capture-form] input[name=csrfmiddlewaretoken]");
  var current = firstToDo();
  var stream = null;
  var facing = "environment";
  var pending = null; // the Blob waiting for "Use this photo"
  var recording = null; // {recorder, chunks, timer} while a video is being recorded
  var pendingVideo = null; // the recorded Blob waiting for "Use this video"
  var MAX_VIDEO_MS = 20000;

  function firstToDo() {
    for (var i = 0; i < steps.length; i += 1) if (!steps[i].done) return i;
    return 0;
  }

  function say(text, kind) {
    message.textContent = text;
    message.className = "callout small" + (kind ? " callout-" + kind : "");
  }

  function show(index) {
    stop();
    current = Math.max(0, Math.min(steps.length - 1, index));
    var step = steps[current];
    label.textContent = step.label;
    instruction.textContent = step.instruction;
    root.querySelectorAll("[data-steps] li").forEach(function (li, i) {
      li.classList.toggle("is-current", i === current);
    });
    live();
  }

  function live() {
    pending = null;
    pendingVideo = null;
    still.hidden = true;
    recordedView.hidden = true;
    recordedView.removeAttribute("src");
    video.hidden = false;
    buttons.take.hidden = false;
    buttons.record.hidden = false;
    buttons.retake.hidden = true;
    buttons.use.hidden = true;
    buttons.useVideo.hidden = true;
    buttons.stop.hidden = true;
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("This browser cannot use a camera here; upload photos on the set page instead.", "warn");
      return;
    }
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    navigator.mediaDevices
      .getUserMedia({ audio: false, video: { facingMode: { ideal: facing }, width: { ideal: 1920 }, height: { ideal: 1440 } } })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        buttons.take.disabled = false;
        buttons.record.disabled = typeof window.MediaRecorder === "undefined";
        say("Line the face up with the guide, then take the photo.");
      })
      .catch(function (error) {
        buttons.take.disabled = true;
        say("The camera could not be opened (" + error.name + "). Allow it in the browser, or upload photos instead.", "danger");
      });
  }

  function take() {
    if (!video.videoWidth) {
      say("The camera is not ready yet.", "warn");
      return;
    }
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(function (blob) {
      pending = blob;
      still.src = URL.createObjectURL(blob);
      still.hidden = false;
      buttons.take.hidden = true;
      buttons.retake.hidden = false;
      buttons.use.hidden = false;
      say("Check the photo: sharp, face level, the expression held. Use it or retake.");
    }, "image/jpeg", 0.92);
  }

  function markDone(index) {
    steps[index].done = true;
    var li = root.querySelectorAll("[data-steps] li")[index];
    if (!li) return;
    li.classList.add("is-done");
    var badge = li.querySelector("[data-step-state]");
    badge.textContent = "taken";
    badge.className = "badge badge-ok";
  }

  function use() {
    if (!pending) return;
    var step = steps[current];
    buttons.use.disabled = true;
    say("Checking and storing the photo…");
    send(pending, step.view + ".jpg", step.view, step.label)
      .then(function (result) {
        buttons.use.disabled = false;
        if (!result.ok) {
          var reason = result.body && result.body.error ? result.body.error.message : "The photo was refused.";
          say(reason + " Retake the photo.", "danger");
          return;
        }
        markDone(current);
        say(step.label + ": stored.", "ok");
        var next = firstToDo();
        if (steps[next].done) {
          say("Every expression has a photo. Grade the set when ready.", "ok");
          live();
        } else {
          show(next);
        }
      })
      .catch(function () {
        buttons.use.disabled = false;
        say("The photo could not be sent; check the connection and try again.", "danger");
      });
  }

  function videoView() {
    var view = steps[current].view;
    return config.videoViews.indexOf(view) >= 0 ? view : "sequence";
  }

  function record() {
    if (!stream || typeof window.MediaRecorder === "undefined") return;
    var type = ["video/webm;codecs=vp8", "video/webm"].filter(function (t) {
      return window.MediaRecorder.isTypeSupported(t);
    })[0];
    var recorder = new window.MediaRecorder(new MediaStream(stream.getVideoTracks()), type ? { mimeType: type } : {});
    var chunks = [];
    recorder.addEventListener("dataavailable", function (event) { if (event.data.size) chunks.push(event.data); });
    recorder.addEventListener("stop", function () {
      window.clearTimeout(recording.timer);
      recording = null;
      pendingVideo = new Blob(chunks, { type: "video/webm" });
      recordedView.src = URL.createObjectURL(pendingVideo);
      recordedView.hidden = false;
      video.hidden = true;
      buttons.stop.hidden = true;
      buttons.useVideo.hidden = false;
      buttons.retake.hidden = false;
      say("Check the video, then use it or record again.");
    });
    recording = { recorder: recorder, timer: window.setTimeout(stop, MAX_VIDEO_MS) };
    recorder.start(250);
    buttons.take.hidden = true;
    buttons.record.hidden = true;
    buttons.stop.hidden = false;
    say("Recording: start at rest, then " + steps[current].label.toLowerCase() + "; stop when done.");
  }

  function stop() {
    if (recording && recording.recorder.state !== "inactive") recording.recorder.stop();
  }

  function send(blob, name, view, label) {
    var form = new FormData();
    form.append("file", blob, name);
    form.append("view", view);
    form.append("source", "camera");
    return fetch(config.uploadUrl, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body, label: label }; });
    });
  }

  function useVideo() {
    if (!pendingVideo) return;
    var view = videoView();
    buttons.useVideo.disabled = true;
    say("Checking and storing the video…");
    send(pendingVideo, view + ".webm", view, "Video")
      .then(function (result) {
        buttons.useVideo.disabled = false;
        if (!result.ok) {
          var reason = result.body && result.body.error ? result.body.error.message : "The video was refused.";
          say(reason + " Record again.", "danger");
          return;
        }
        say("Video stored (" + view.replace(/_/g, " ") + ").", "ok");
        live();
      })
      .catch(function () {
        buttons.useVideo.disabled = false;
        say("The video could not be sent; check the connection and try again.", "danger");
      });
  }

  function grade() {
    buttons.grade.disabled = true;
    fetch(config.gradeUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) {
          buttons.grade.disabled = false;
          say(result.body && result.body.error ? result.body.error.message : "The grading could not start.", "danger");
          return;
        }
        window.location.href = config.setUrl + "#grading";
      })
      .catch(function () {
        buttons.grade.disabled = false;
        say("The grading could not start; check the connection.", "danger");
      });
  }

  buttons.take.addEventListener("click", take);
  buttons.record.addEventListener("click", record);
  buttons.stop.addEventListener("click", stop);
  buttons.useVideo.addEventListener("click", useVideo);
  buttons.retake.addEventListener("click", live);
  buttons.use.addEventListener("click", use);
  buttons.skip.addEventListener("click", function () { show(current + 1); });
  buttons.flip.addEventListener("click", function () {
    facing = facing === "environment" ? "user" : "environment";
    start();
  });
  buttons.grade.addEventListener("click", grade);
  root.querySelectorAll("[data-goto]").forEach(function (button) {
    button.addEventListener("click", function () { show(Number(button.getAttribute("data-goto"))); });
  });
  show(current);
  start();
})();
