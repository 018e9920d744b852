// Put first in every fixture page by tests/webkit/harness.mjs: WebDriver classic reports no
// console messages or page errors, so the page records its own in `window.__problems`.
(() => {
  const problems = [];
  window.__problems = problems;
  window.addEventListener('error', (e) => problems.push(`pageerror: ${e.message}`));
  window.addEventListener('unhandledrejection', (e) => problems.push(`unhandled rejection: ${e.reason && e.reason.message ? e.reason.message : e.reason}`));
  document.addEventListener('securitypolicyviolation', (e) => problems.push(`csp: ${e.effectiveDirective} ${e.blockedURI}`));
  const error = console.error;
  console.error = function (...args) {
    problems.push(`console: ${args.map((a) => (a && a.message) || String(a)).join(' ')}`);
    return error.apply(this, args);
  };
})();
