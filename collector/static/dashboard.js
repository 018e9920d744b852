// The adoption dashboard's only script (served from the collector, so it passes the pages'
// strict CSP). Progressive enhancement: choosing a filter applies it at once; without this
// script the Apply button does the same.
document.addEventListener('change', (event) => {
  const field = event.target;
  const form = field.closest && field.closest('form[data-autosubmit]');
  if (!form || !field.matches('select, input[type=date]')) return;
  // The trait value box is applied with the button or Enter, not on every change of name.
  if (field.name === 'tn') return;
  if (form.reportValidity()) form.requestSubmit();
});
