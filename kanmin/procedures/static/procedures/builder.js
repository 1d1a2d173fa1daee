// The form builder: ask before a delete button throws away a page or a question (the page
// works without this; the draft can be re-imported from the version history if need be).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
