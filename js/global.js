// The classic-script entry: `<script src=".../shirube/js/global.js"></script>` defines
// `window.Shirube` with the same static API (init, validate, ready), loading the ES module that
// sits next to this file on first use. For pages without a bundler or type="module" scripts.
(function () {
  'use strict';
  if (typeof window === 'undefined') return;
  var script = document.currentScript;
  var base = script && script.src ? script.src : document.baseURI;
  var loading = null;
  function load() {
    if (!loading) loading = import(new URL('./index.js', base).href);
    return loading;
  }
  window.Shirube = {
    init: function (options) {
      return load().then(function (m) { return m.Shirube.init(options); });
    },
    validate: function (spec) {
      return load().then(function (m) { return m.Shirube.validate(spec); });
    },
    ready: function () {
      return load().then(function (m) { return m.Shirube.ready(); });
    },
  };
})();
