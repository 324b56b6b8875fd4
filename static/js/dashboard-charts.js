/* Draws the dashboard's charts with the vendored Chart.js. Each <canvas data-chart="ID"> reads its
   configuration from the JSON script element ID (Django's json_script). The same figures are in the
   table beside each chart, so the page is complete without JavaScript. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") {
    return;
  }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var valueAxis = { beginAtZero: true, title: { display: !!spec.unit, text: spec.unit || "" } };
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: spec.datasets.length > 1 } },
      scales: spec.horizontal ? { x: valueAxis } : { y: valueAxis },
    };
    if (spec.horizontal) {
      options.indexAxis = "y";
    }
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: options,
    });
  });
})();
