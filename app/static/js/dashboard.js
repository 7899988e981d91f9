/* 同心 首页看板: draws the charts of the dashboard with the portal's own ECharts.
   The figures, labels (already in the user's language) and the list behind every bar or
   point come from the page (<script type="application/json" id="tx-dashboard-data">);
   clicking a bar or a point opens that list. */
(function () {
  "use strict";
  document.querySelectorAll("[data-tx-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var source = document.getElementById("tx-dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var COLOURS = ["#2f6fb0", "#e07b39", "#3a9a5b", "#c23b3b", "#7b5aa6", "#1f9aa8",
                 "#b8860b", "#d45d9b", "#5f6b7a", "#8fb339"];
  var FONT = "'Microsoft YaHei', 'WenQuanYi Micro Hei', 'PingFang SC', sans-serif";
  var charts = [];

  function open(url) { if (url) { window.location.href = url; } }

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    option.color = COLOURS;
    option.textStyle = { fontFamily: FONT, fontSize: 13 };
    option.animation = false;
    chart.setOption(option);
    chart.on("click", function (p) {
      var urls = option.series[p.seriesIndex].urls || [];
      open(urls[p.dataIndex]);
    });
    el.setAttribute("data-rendered", "1");
    charts.push(chart);
  }

  function series(list, type) {
    return list.map(function (s) {
      return { name: s.name, type: type, data: s.data, urls: s.urls, cursor: "pointer",
               symbolSize: 8, emphasis: { focus: "series" } };
    });
  }

  function trend(id, lines, type) {
    if (!lines.length) { return; }
    draw(id, {
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 12, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months, axisLabel: { rotate: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: series(lines, type)
    });
  }

  function bars(id, names, list, horizontal) {
    if (!names.length) { return; }
    var cat = { type: "category", data: names, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
    var val = { type: "value", minInterval: 1 };
    draw(id, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: list.length > 1 ? { type: "scroll", top: 0 } : undefined,
      grid: { left: 12, right: 24, top: list.length > 1 ? 40 : 12, bottom: 8, containLabel: true },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? Object.assign(cat, { inverse: true }) : val,
      series: series(list, "bar").map(function (s) {
        s.label = { show: list.length === 1, position: horizontal ? "right" : "top" };
        s.barMaxWidth = 28;
        return s;
      })
    });
  }

  trend("tx-chart-counts", data.counts, "line");
  trend("tx-chart-sums", data.sums, "bar");
  data.breakdowns.forEach(function (b) {
    bars(b.id, b.names, [{ name: b.title, data: b.data, urls: b.urls }], true);
  });
  bars("tx-chart-communities", data.communities.names, data.communities.series, false);
  bars("tx-chart-ranking", data.ranking.names,
       [{ name: "", data: data.ranking.data, urls: data.ranking.urls }], true);

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
  window.TX_CHARTS = charts;  // for the browser test: what was drawn
})();
