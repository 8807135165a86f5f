/* The roster page while an import runs in the background: poll its progress, reload when done. */
(function () {
  "use strict";
  var box = document.querySelector("[data-testid=roster-progress]");
  if (!box) return;
  function poll() {
    fetch(box.dataset.progressUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (p) {
      box.querySelector("[data-testid=roster-status]").textContent = p.status_display;
      if (p.total) { box.querySelector("[data-testid=roster-count]").textContent = p.done + " / " + p.total; }
      var bar = box.querySelector("progress"); bar.max = p.total || 1; bar.value = p.done;
      if (p.status === "queued" || p.status === "running") { setTimeout(poll, 1000); } else { location.reload(); }
    }).catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
