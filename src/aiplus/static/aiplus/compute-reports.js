/* The compute office's report charts: vouchers by programme, by area and by month, and card-hours
   offered, ordered and used by model and by area. */
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var d = JSON.parse(document.getElementById("compute-charts").textContent);
  var L = d.labels, COLOURS = ["#0b4f9c", "#5b95d6", "#1b7f4b", "#8c8c8c"];
  function money(v) { return Number(v).toLocaleString() + " " + L.yuan; }
  function hours(v) { return Number(v).toLocaleString() + " " + L.card_hours; }
  function bars(id, names, series, fmt) {
    echarts.init(document.getElementById(id)).setOption({
      color: COLOURS, legend: {top: 0}, tooltip: {trigger: "axis", valueFormatter: fmt},
      grid: {left: 80, right: 20, top: 36, bottom: 50},
      xAxis: {type: "category", data: names, axisLabel: {interval: 0, rotate: names.length > 4 ? 30 : 0}},
      yAxis: {type: "value"},
      series: series.map(function (s) { return {name: s[0], type: "bar", data: s[1]}; })
    });
  }
  var p = d.programmes;
  bars("chart-programmes", p.names, [[L.funded, p.funded], [L.held, p.held], [L.redeemed, p.redeemed], [L.paid, p.paid]], money);
  bars("chart-areas", d.areas.names, [[L.amount, d.areas.amounts]], money);
  echarts.init(document.getElementById("chart-months")).setOption({
    color: COLOURS, tooltip: {trigger: "axis", valueFormatter: money},
    grid: {left: 80, right: 20, top: 20, bottom: 30},
    xAxis: {type: "category", data: d.months.names}, yAxis: {type: "value"},
    series: [{name: L.amount, type: "line", data: d.months.amounts, symbolSize: 6}]
  });
  [["chart-models", d.models], ["chart-area-use", d.area_use]].forEach(function (c) {
    bars(c[0], c[1].names, [[L.offered, c[1].offered], [L.ordered, c[1].ordered], [L.used, c[1].used]], hours);
  });
});
