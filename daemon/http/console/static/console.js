// entsync console: progressive enhancement only; every page works without it.
// A button or form marked data-confirm asks before it is sent (deciding an
// anomaly, releasing a held delivery): the server checks everything again anyway.
document.addEventListener("submit", function (event) {
  var asker = event.submitter && event.submitter.hasAttribute("data-confirm") ? event.submitter : event.target;
  var question = asker.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
