// Live progress of a timetable solve, from the server's events. The page says the same
// without this script: it shows the run's state each time it is loaded.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box || !window.EventSource) { return; }
  var bar = document.getElementById("run-bar");
  var words = document.getElementById("run-words");
  var lastSpoken = 0;
  var source = new EventSource(box.getAttribute("data-events"));
  source.addEventListener("progress", function (e) {
    var p = JSON.parse(e.data);
    var limit = p.limit > 0 ? p.limit : 1;
    bar.max = Math.round(limit);
    bar.value = Math.min(Math.round(p.seconds), Math.round(limit));
    var best = p.best_hard < 0 ? "no timetable yet"
      : p.best_hard === 0 ? "complete, cost " + p.best_soft
      : p.best_hard + " rules still broken";
    // Screen readers hear an update every five seconds at most.
    if (p.seconds - lastSpoken >= 5 || lastSpoken === 0) {
      words.textContent = Math.round(p.seconds) + " of " + Math.round(limit) + " seconds. Best so far: " + best + ".";
      lastSpoken = p.seconds;
    }
  });
  source.addEventListener("done", function () {
    source.close();
    words.textContent = "Finished. Loading the results.";
    window.location.reload();
  });
})();
