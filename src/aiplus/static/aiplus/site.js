/* Behaviour shared by every page. The Content-Security-Policy allows no inline script, so pages
   ask for behaviour with data attributes instead of on* handlers:
   - <select data-autosubmit> submits its form when changed;
   - <form data-confirm="..."> or <button data-confirm="..."> asks before submitting;
   - .chart elements holding an ECharts chart follow the window's size. */
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
  });
  document.addEventListener("submit", function (e) {
    var message = (e.submitter && e.submitter.dataset.confirm) || e.target.dataset.confirm;
    if (message && !window.confirm(message)) e.preventDefault();
  }, true);
  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll(".chart").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
