// Draws the dashboard charts from the JSON the page embeds (no network requests).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("chart-data");
  if (!el || !window.Chart) { return; }
  var data = JSON.parse(el.textContent);
  var colours = ["#1d5fa8", "#2e7d32", "#b26a00"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  // No animation: charts are read, not watched, and old school PCs draw them at once.
  Chart.defaults.animation = false;

  // Many schools (Shuangliu has 74) read better as horizontal bars in a taller box.
  function horizontal(part) { return part.labels.length > 8; }
  function sizeBox(id, part) {
    var c = document.getElementById(id);
    if (c && horizontal(part)) { c.parentNode.style.height = Math.max(300, part.labels.length * 22 + 60) + "px"; }
  }
  ["chart-area-share", "chart-area-kinds"].forEach(function (id) { sizeBox(id, data.areas); });
  ["chart-stage-share", "chart-stage-kinds"].forEach(function (id) { sizeBox(id, data.stages); });

  function share(id, part) {
    var c = document.getElementById(id);
    if (!c) { return; }
    new Chart(c, {
      type: "bar",
      data: { labels: part.labels, datasets: [{ label: "达标比例 %", data: part.share.map(Number), backgroundColor: "#1d5fa8" }] },
      options: { indexAxis: horizontal(part) ? "y" : "x",
                 scales: horizontal(part) ? { x: { min: 0, max: 100 } } : { y: { min: 0, max: 100 } },
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
      options: { indexAxis: horizontal(part) ? "y" : "x", scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true, beginAtZero: true } } }
    });
  }
  share("chart-area-share", data.areas);
  kinds("chart-area-kinds", data.areas);
  share("chart-stage-share", data.stages);
  kinds("chart-stage-kinds", data.stages);
});
