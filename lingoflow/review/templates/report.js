(function () {
  "use strict";
  var table = document.getElementById("library");
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var filter = "all";
  var search = document.getElementById("search");
  function apply() {
    var q = search.value.trim().toLowerCase();
    rows.forEach(function (r) {
      var show = (filter === "all" || r.dataset.status === filter) && (!q || r.dataset.item.toLowerCase().indexOf(q) >= 0);
      r.hidden = !show;
    });
  }
  document.querySelectorAll("[data-filter]").forEach(function (b) {
    b.addEventListener("click", function () {
      filter = b.dataset.filter;
      document.querySelectorAll("[data-filter]").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
      apply();
    });
  });
  search.addEventListener("input", apply);
  table.querySelectorAll("th[data-key]").forEach(function (th) {
    th.addEventListener("click", function () {
      var col = Number(th.dataset.key), num = th.dataset.type === "num";
      var dir = th.classList.contains("asc") ? -1 : 1;
      table.querySelectorAll("th").forEach(function (o) { o.classList.remove("asc", "desc"); });
      th.classList.add(dir === 1 ? "asc" : "desc");
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.value || "", y = b.cells[col].dataset.value || "";
        var c = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
        return c * dir;
      });
      rows.forEach(function (r) { tbody.appendChild(r); });
    });
  });
})();
