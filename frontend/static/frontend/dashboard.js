// The weekly trend chart, drawn by Chart.js from the JSON data island next to it.
// Without JavaScript (or Chart.js) the table of the same numbers stays open below.
(function () {
  "use strict";

  function draw() {
    var canvas = document.getElementById("trend-chart");
    var island = canvas && document.getElementById(canvas.dataset.chart);
    if (!canvas || !island || typeof window.Chart === "undefined") return;
    var data = JSON.parse(island.textContent);
    var styles = getComputedStyle(document.documentElement);
    function token(name, fallback) {
      return (styles.getPropertyValue(name) || "").trim() || fallback;
    }
    new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: data.names.filed, data: data.filed, yAxisID: "count",
            backgroundColor: token("--color-primitive-blue-300", "#9db7f9") },
          { type: "bar", label: data.names.answered, data: data.answered, yAxisID: "count",
            backgroundColor: token("--color-primitive-blue-900", "#0031d8") },
          { type: "line", label: data.names.attainment, data: data.attainment, yAxisID: "ratio",
            borderColor: token("--color-primitive-orange-800", "#c74700"), spanGaps: true, pointStyle: "rectRot" },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          count: { type: "linear", position: "left", beginAtZero: true, ticks: { precision: 0 } },
          ratio: { type: "linear", position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } },
        },
      },
    });
    canvas.dataset.drawn = "true";
    // The chart now shows the numbers; the table stays one click away.
    var table = document.querySelector("[data-chart-table]");
    if (table) table.open = false;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
