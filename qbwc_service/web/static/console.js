// Progressive enhancement only: every page works without this file.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
  // The box may sit outside the form its rows belong to (a table beside the form).
  const form = box.dataset.form ? document.getElementById(box.dataset.form) : box.closest("form");
  if (!form) return;
  const scope = box.dataset.form ? document : form;
  for (const item of scope.querySelectorAll(`input[name="${box.dataset.selectAll}"]`)) {
    if (!box.dataset.form || item.form === form) item.checked = box.checked;
  }
});

// On a phone the filters start folded so the results are on the first screen.
for (const box of document.querySelectorAll("details[data-collapse-narrow]")) {
  if (window.matchMedia("(max-width: 700px)").matches) box.removeAttribute("open");
}
