// Run before any page script, this makes a browser without CSS anchor positioning (Safari
// before 26, Firefox ESR 140 and older, Chromium before 125): the inline `anchor-name` is
// dropped as an unknown property would be, which is how the SDK detects support. Used by the
// Chromium tours tests (an init script) and the WebKit layout tests (injected by the server).
(() => {
  const set = CSSStyleDeclaration.prototype.setProperty;
  CSSStyleDeclaration.prototype.setProperty = function (name, ...rest) {
    if (/^(anchor-name|position-anchor)$/.test(name)) return undefined;
    return set.call(this, name, ...rest);
  };
})();
