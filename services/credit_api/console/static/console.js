// Draws every chart on the page from its JSON option, in the page's language.
(function () {
  function draw(root) {
    var locale = document.documentElement.lang === "zh-CN" ? "ZH" : "EN";
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var chart = echarts.init(el, null, { locale: locale, renderer: "canvas" });
      var option = JSON.parse(el.dataset.chart);
      option.animation = false;  // drawn at once: for people who prefer less motion, and for screenshots
      chart.setOption(option);
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
