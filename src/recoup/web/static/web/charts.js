// Draw every chart whose figure the server put in a <script type="application/json" id="NAME-data">.
document.querySelectorAll(".chart-box").forEach(function (box) {
  var source = document.getElementById(box.id + "-data");
  if (!source || !window.Plotly) { return; }
  var figure = JSON.parse(JSON.parse(source.textContent));
  Plotly.newPlot(box, figure.data, figure.layout, { displayModeBar: false, responsive: true });
});
