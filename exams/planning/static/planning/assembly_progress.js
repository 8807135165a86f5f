/* The sitting page's paper-assembly progress: polls the progress API while it runs. */
(function () {
  "use strict";
  var box = document.querySelector("[data-testid=assembly]");
  if (!box) return;
  var url = box.dataset.progressUrl;
  function poll() {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (p) {
      box.querySelector("[data-testid=assembly-status]").textContent = p.status_display;
      box.querySelector("[data-testid=assembly-count]").textContent = p.done + " / " + p.total;
      var bar = box.querySelector("progress"); bar.max = p.total || 1; bar.value = p.done;
      if (p.status === "running") { setTimeout(poll, 1000); } else if (p.status === "failed") {
        // The failure and the 重新组卷 button are the server's page: show it.
        if (!box.querySelector("[data-testid=assembly-failed]")) { window.location.reload(); }
      } else if (p.report_text) {
        box.querySelector("[data-testid=assembly-report]").textContent = p.report_text;
      }
    }).catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
