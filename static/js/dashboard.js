// Draws the dashboard charts from the JSON the page embeds (no network requests).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("chart-data");
  if (!el || !window.Chart) { return; }
  var data = JSON.parse(el.textContent);
  var colours = ["#1d5fa8", "#2e7d32", "#b26a00"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;

  function share(id, part) {
    var c = document.getElementById(id);
    if (!c) { return; }
    new Chart(c, {
      type: "bar",
      data: { labels: part.labels, datasets: [{ label: "达标比例 %", data: part.share.map(Number), backgroundColor: "#1d5fa8" }] },
      options: { indexAxis: part.labels.length > 8 ? "y" : "x", scales: { x: { beginAtZero: true }, y: { beginAtZero: true } },
                 plugins: { legend: { display: false } } }
    });
  }
  function kinds(id, part) {
    var c = document.getElementById(id);
    if (!c) { return; }
    new Chart(c, {
      type: "bar",
      data: { labels: part.labels, datasets: data.kinds.map(function (k, i) {
        return { label: k, data: part.kinds[i].map(Number), backgroundColor: colours[i % colours.length] };
      }) },
      options: { indexAxis: part.labels.length > 8 ? "y" : "x", scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
    });
  }
  share("chart-area-share", data.areas);
  kinds("chart-area-kinds", data.areas);
  share("chart-stage-share", data.stages);
  kinds("chart-stage-kinds", data.stages);
});
