/* Form helpers, each switched on by the element it works on:
   - a result box with data-url and data-watch (a selector): while the watched field is typed
     in, the box is refilled from data-url (fields in data-include go along, after data-delay
     ms). The demand form uses it for similar demands, both forms for suggested sector and tags;
   - clicking a suggestion in #suggestions fills in the sector and tags;
   - #id_kind with #group-model (catalogue entry): the model fields show only for models. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll("[data-url][data-watch]").forEach(function (box) {
    var field = document.querySelector(box.dataset.watch);
    if (!field || !box.id) return;
    field.setAttribute("hx-get", box.dataset.url);
    field.setAttribute("hx-trigger", "keyup changed delay:" + (box.dataset.delay || "500") + "ms, change");
    field.setAttribute("hx-target", "#" + box.id);
    if (box.dataset.include) field.setAttribute("hx-include", box.dataset.include);
    htmx.process(field);
  });
  var codesNode = document.getElementById("sector-codes");
  var codes = codesNode ? JSON.parse(codesNode.textContent) : {};
  var suggestions = document.getElementById("suggestions");
  if (suggestions) suggestions.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.sector) {
      var select = document.getElementById("id_sector");
      if (select) {
        for (var i = 0; i < select.options.length; i++) {
          if (codes[select.options[i].value] === b.dataset.sector) select.selectedIndex = i;
        }
      }
      document.querySelectorAll("input[name=sectors]").forEach(function (box) {
        if (codes[box.value] === b.dataset.sector) box.checked = true;
      });
    }
    if (b.dataset.tag) {
      var tags = document.getElementById("id_tag_names");
      var have = tags.value.split(/[，,；;、\s]+/).filter(Boolean);
      if (have.indexOf(b.dataset.tag) < 0) have.push(b.dataset.tag);
      tags.value = have.join("、");
    }
    b.disabled = true;
  });
  var kind = document.getElementById("id_kind"), group = document.getElementById("group-model");
  if (kind && group) {
    var sync = function () { group.hidden = kind.value !== "model"; };
    kind.addEventListener("change", sync);
    sync();
  }
});
