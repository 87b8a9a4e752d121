(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var media = document.getElementById("media");
  var dubs = {};
  document.querySelectorAll("audio.dub").forEach(function (a) { dubs[a.dataset.lang] = a; });
  var active = null; // the dub <audio> playing in place of the original sound, or null
  var DRIFT = 0.25; // seconds the dub may drift from the picture before it is re-synced

  function quiet(p) { if (p && p.catch) { p.catch(function () {}); } } // play() rejects when paused right away

  // --- audio track: the original media keeps the clock; a dub plays beside it, in sync, with the media muted
  function selectTrack(lang) {
    if (active) { active.pause(); }
    active = lang ? dubs[lang] || null : null;
    media.muted = !!active;
    if (active) {
      active.currentTime = media.currentTime;
      active.playbackRate = media.playbackRate;
      if (!media.paused) { quiet(active.play()); }
    }
    document.body.dataset.track = active ? active.dataset.lang : "original";
    document.querySelectorAll("input[name=track]").forEach(function (r) { r.checked = r.value === (lang || ""); });
  }
  document.querySelectorAll("input[name=track]").forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) { selectTrack(r.value); } });
  });
  media.addEventListener("play", function () { if (active) { active.currentTime = media.currentTime; quiet(active.play()); } });
  media.addEventListener("pause", function () { if (active) { active.pause(); } });
  media.addEventListener("seeking", function () { if (active) { active.currentTime = media.currentTime; } });
  media.addEventListener("ratechange", function () { if (active) { active.playbackRate = media.playbackRate; } });
  media.addEventListener("ended", function () { if (active) { active.pause(); } });
  media.addEventListener("volumechange", function () {
    // the player's own mute button while a dub plays mutes the dub instead
    if (active && !media.muted) { media.muted = true; active.muted = !active.muted; }
  });

  // --- captions: cues embedded in the page (file:// forbids loading <track> files), shown on the video
  // or, for audio-only media, in the caption line under the player
  var tracks = {};
  var line = document.getElementById("caption-line");
  Object.keys(data.captions).forEach(function (lang) {
    var t = media.addTextTrack("subtitles", lang, lang);
    data.captions[lang].forEach(function (c) { t.addCue(new VTTCue(c[0], c[1], c[2])); });
    t.mode = "disabled";
    t.addEventListener("cuechange", function () {
      var cues = Array.prototype.map.call(t.activeCues || [], function (c) { return c.text; });
      line.textContent = cues.join("\n");
    });
    tracks[lang] = t;
  });
  function selectCaptions(lang) {
    Object.keys(tracks).forEach(function (l) { tracks[l].mode = l === lang ? (data.video ? "showing" : "hidden") : "disabled"; });
    line.textContent = "";
    document.body.dataset.captions = lang || "off";
  }
  document.querySelectorAll("input[name=captions]").forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) { selectCaptions(r.value); } });
  });
  var checked = document.querySelector("input[name=captions]:checked");
  selectCaptions(checked ? checked.value : "");

  // --- click a segment (transcript row or timeline box): seek there and play
  function playAt(t) {
    media.currentTime = t;
    if (active) { active.currentTime = t; }
    quiet(media.play());
  }
  document.querySelectorAll("#transcript tr.segment, #timeline rect").forEach(function (el) {
    el.addEventListener("click", function () { playAt(parseFloat(el.dataset.start)); });
    el.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); playAt(parseFloat(el.dataset.start)); } });
  });

  // --- follow playback: current segment highlighted, playhead on the timeline, dub kept in sync
  var playhead = document.getElementById("playhead");
  var left = parseFloat(playhead.dataset.left), width = parseFloat(playhead.dataset.width);
  var current = null;
  function follow() {
    var t = media.currentTime;
    var x = left + width * Math.min(t / (data.duration || 1), 1);
    playhead.setAttribute("x1", x); playhead.setAttribute("x2", x);
    var seg = null;
    for (var i = 0; i < data.segments.length; i++) {
      if (t >= data.segments[i].start && t < data.segments[i].end) { seg = data.segments[i].id; break; }
    }
    if (seg !== current) {
      document.querySelectorAll(".current").forEach(function (el) { el.classList.remove("current"); });
      if (seg !== null) {
        document.querySelectorAll('[data-id="' + seg + '"]').forEach(function (el) { el.classList.add("current"); });
      }
      current = seg;
    }
    if (active && !media.paused && Math.abs(active.currentTime - t) > DRIFT) { active.currentTime = t; }
  }
  media.addEventListener("timeupdate", follow);
  media.addEventListener("seeked", follow);

  var sources = media.querySelectorAll("source");
  if (sources.length) {
    sources[sources.length - 1].addEventListener("error", function () { document.getElementById("media-error").hidden = false; });
  } else {
    document.getElementById("media-error").hidden = false;
  }
  document.body.dataset.track = "original";
  window.lingoflowReview = { selectTrack: selectTrack, selectCaptions: selectCaptions, playAt: playAt, media: media, dubs: dubs };
})();
