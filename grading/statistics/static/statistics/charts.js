/* Draws every <canvas data-chart="ID"> with Chart.js (vendored, no CDN) from the JSON in
 * <script type="application/json" id="ID"> (Django's json_script): {type, labels, series:
 * [{label, data}], y_max, x_max, x_title, y_title, quadrants}. "quadrants": N draws the lines
 * x = N and y = N (the 60/60 rule) on a scatter. No inline script anywhere (the CSP). */
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var palette = ["#2f6fb0", "#e07b39", "#3a9a5b", "#c23b4e", "#7a5cc0", "#8c6d31", "#4aa3a8"];
  Chart.defaults.font.family = '"Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif';

  var quadrantLines = {
    id: "quadrantLines",
    afterDatasetsDraw: function (chart, args, options) {
      if (options.at === undefined || options.at === null) { return; }
      var x = chart.scales.x, y = chart.scales.y, ctx = chart.ctx, area = chart.chartArea;
      ctx.save();
      ctx.strokeStyle = "#c23b4e";
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(x.getPixelForValue(options.at), area.top);
      ctx.lineTo(x.getPixelForValue(options.at), area.bottom);
      ctx.moveTo(area.left, y.getPixelForValue(options.at));
      ctx.lineTo(area.right, y.getPixelForValue(options.at));
      ctx.stroke();
      ctx.restore();
    }
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var scatter = spec.type === "scatter";
    var datasets = spec.series.map(function (series, index) {
      var color = palette[index % palette.length];
      return {
        label: series.label, data: series.data, backgroundColor: color, borderColor: color,
        pointRadius: scatter ? 3 : 2, tension: 0.2, spanGaps: true
      };
    });
    var scales = {
      x: { title: { display: !!spec.x_title, text: spec.x_title || "" } },
      y: { beginAtZero: true, title: { display: !!spec.y_title, text: spec.y_title || "" } }
    };
    if (spec.y_max) { scales.y.max = spec.y_max; } else if (!scatter) { scales.y.ticks = { precision: 0 }; }
    if (scatter) {
      scales.x.type = "linear";
      scales.x.min = 0;
      scales.x.max = spec.x_max || 100;
      if (!spec.x_max) { scales.y.max = 100; }
      if (spec.x_max) { scales.y.min = -1; scales.y.max = 1; scales.y.beginAtZero = false; }
    }
    var chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: scales,
        plugins: { legend: { display: datasets.length > 1 }, quadrantLines: { at: spec.quadrants } }
      },
      plugins: [quadrantLines]
    });
    canvas.setAttribute("data-rendered", String(datasets.reduce(function (n, d) { return n + d.data.length; }, 0)));
    canvas.chart = chart;
  });
})();
