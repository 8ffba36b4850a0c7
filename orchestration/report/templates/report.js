// Hash routes show one section; its figures are drawn the first time it is shown.
(function () {
  const specs = JSON.parse(document.getElementById("figure-data").textContent);
  const config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"] };
  function sectionFor(hash) {
    const route = (hash || "").replace(/^#/, "") || "today";
    const id = route.startsWith("part/") ? "page-part-" + route.slice(5) : "page-" + route;
    return document.getElementById(id) || document.getElementById("page-today");
  }
  function draw(section) {
    section.querySelectorAll("div.figure[data-figure]").forEach(function (node) {
      if (node.dataset.drawn) return;
      const spec = specs[node.dataset.figure];
      if (!spec) return;
      Plotly.newPlot(node, spec.data, spec.layout, config);
      node.dataset.drawn = "1";
    });
  }
  function show() {
    const target = sectionFor(window.location.hash);
    document.querySelectorAll("section.page").forEach(function (s) { s.hidden = s !== target; });
    document.querySelectorAll("nav a").forEach(function (a) {
      a.classList.toggle("active", target.dataset.nav === a.getAttribute("href").slice(1));
    });
    draw(target);
    document.body.dataset.page = target.id;
    window.scrollTo(0, 0);
  }
  window.addEventListener("hashchange", show);
  show();
})();
