// entsync console: progressive enhancement only; every page works without it.
// A form marked data-confirm asks before it is sent (deciding an anomaly,
// releasing a held delivery): the server checks everything again anyway.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
