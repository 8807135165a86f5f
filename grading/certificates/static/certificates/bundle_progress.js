/* The certificate zip page while a bundle is being made: poll its progress, reload when done. */
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) return;
  function poll() {
    fetch(box.dataset.progressUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (p) {
      box.querySelector("[data-testid=bundle-status]").textContent = p.status_display;
      box.querySelector("[data-testid=bundle-count]").textContent = p.done + " / " + p.total;
      var bar = box.querySelector("progress"); bar.max = p.total || 1; bar.value = p.done;
      if (p.status === "queued" || p.status === "running") { setTimeout(poll, 1000); } else { location.reload(); }
    }).catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
