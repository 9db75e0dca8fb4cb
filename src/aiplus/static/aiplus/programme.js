/* Charts of programme monitoring (ECharts, vendored). Each chart element carries
   data-chart="series|aspects|scopes" and data-source="<id of a json_script element>". */
(function () {
  "use strict";
  var BLUE = "#0b4f9c", GREY = "#8c8c8c", RED = "#cf222e";
  function data(el) { return JSON.parse(document.getElementById(el.dataset.source).textContent); }
  function fmt(v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString(); }

  var builders = {
    series: function (d) {
      var series = [
        {name: d.labels.value, type: "line", data: d.points, symbolSize: 5, itemStyle: {color: BLUE}},
      ];
      if (d.forecast.length) {
        series.push({name: d.labels.forecast, type: "line", data: d.forecast, symbol: "none",
                     lineStyle: {type: "dotted", color: GREY}, itemStyle: {color: GREY}});
      }
      if (d.target !== null) {
        var first = d.points.length ? d.points[0][0] : d.deadline;
        series.push({name: d.labels.target, type: "line", symbol: "none", silent: true,
                     data: [[first, d.target], [d.deadline, d.target]],
                     lineStyle: {type: "dashed", color: RED}, itemStyle: {color: RED},
                     endLabel: {show: true, formatter: d.labels.target, color: RED}});
      }
      return {
        tooltip: {trigger: "axis", valueFormatter: function (v) { return fmt(v) + " " + d.unit; }},
        legend: {top: 0}, grid: {left: 60, right: 40, top: 36, bottom: 30},
        xAxis: {type: "time", max: d.deadline},
        yAxis: {type: "value", name: d.unit, scale: true},
        series: series
      };
    },
    aspects: function (d) {
      return {
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}}, legend: {top: 0},
        grid: {left: 130, right: 20, top: 36, bottom: 20},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", data: d.groups.slice().reverse()},
        series: d.series.map(function (s) {
          return {name: s.name, type: "bar", stack: "all", itemStyle: {color: s.colour},
                  data: s.data.slice().reverse()};
        })
      };
    },
    scopes: function (d) {
      return {
        tooltip: {trigger: "axis", valueFormatter: function (v) { return fmt(v) + " " + d.unit; }},
        legend: {top: 0}, grid: {left: 60, right: 20, top: 36, bottom: 60},
        xAxis: {type: "category", data: d.names, axisLabel: {rotate: 30}},
        yAxis: {type: "value", name: d.unit},
        series: [
          {name: d.labels.value, type: "bar", data: d.values, itemStyle: {color: BLUE}},
          {name: d.labels.target, type: "scatter", data: d.targets, symbol: "rect", symbolSize: [18, 3],
           itemStyle: {color: RED}}
        ]
      };
    }
  };

  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el) || echarts.init(el);
      chart.setOption(builders[el.dataset.chart](data(el)));
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", draw);
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = window.echarts && echarts.getInstanceByDom(el); if (c) c.resize();
    });
  });
})();
