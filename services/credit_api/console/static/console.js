// Draws every chart on the page from its JSON option, in the page's language.
(function () {
  function draw(root) {
    var locale = document.documentElement.lang === "zh-CN" ? "ZH" : "EN";
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var chart = echarts.init(el, null, { locale: locale, renderer: "canvas" });
      var option = JSON.parse(el.dataset.chart);
      option.animation = false;  // drawn at once: for people who prefer less motion, and for screenshots
      // Axis labels fit their chart: value axes in the language's compact numbers (1.2M, 12万) and
      // the grid grown to hold them, so no label is ever cut.
      var lang = document.documentElement.lang || "en";
      var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
      var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
      option.grid = Object.assign({ containLabel: true, left: 8, right: 16 }, option.grid || {});
      ["xAxis", "yAxis"].forEach(function (name) {
        [].concat(option[name] || []).forEach(function (axis) {
          if (axis.type === "value") {
            var shown = (axis.axisLabel || {}).percent ? percent : compact;
            axis.axisLabel = { formatter: function (v) { return shown.format(v); } };
          }
        });
      });
      chart.setOption(option);
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();

// The alerts page: every change of an alert arrives as a server-sent event; a new alert becomes a
// row at the top, a change updates its row. Text is set as text, never as markup.
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var table = document.querySelector("table[data-stream]");
    if (!table) { return; }
    var body = table.querySelector("tbody");
    var source = new EventSource(table.dataset.stream);
    function cell(text) { var td = document.createElement("td"); td.textContent = text; return td; }
    function handle(e) {
      var alert = JSON.parse(e.data).data;
      var row = body.querySelector('tr[data-alert="' + alert.alert_id + '"]');
      if (!row) {
        row = document.createElement("tr");
        row.dataset.alert = alert.alert_id;
        body.insertBefore(row, body.firstChild);
      }
      var words = alert.words || { level: "", status: "", causes: [] };
      row.replaceChildren(
        cell(alert.customer_code),
        cell(words.level),
        cell(words.status),
        cell(words.causes.join("; ")),
        cell(alert.opened_at),
        cell("")
      );
    }
    ["alert.opened", "alert.updated", "alert.acknowledged", "alert.resolved", "alert.reopened"].forEach(
      function (type) { source.addEventListener(type, handle); }
    );
  });
})();
