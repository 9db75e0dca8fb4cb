/* The home page's two charts: published demands by sector, and the scenario funnel. */
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var blue = "#0b4f9c";
  echarts.init(document.getElementById("chart-sector")).setOption({
    grid: {left: 80, right: 20, top: 10, bottom: 30}, tooltip: {},
    xAxis: {type: "value", minInterval: 1},
    yAxis: {type: "category", data: data.sectors.slice().reverse()},
    series: [{type: "bar", data: data.sector_counts.slice().reverse(), itemStyle: {color: blue}}]
  });
  echarts.init(document.getElementById("chart-status")).setOption({
    tooltip: {trigger: "item"},
    series: [{type: "funnel", sort: "none", left: "10%", width: "80%", data: data.statuses,
              label: {formatter: "{b}：{c}"}, color: ["#0b4f9c", "#2f73c0", "#5b95d6", "#1b7f4b", "#48a36f"]}]
  });
});
