// Starts Shirube on the plain page. (An external file rather than an inline script, so the page
// also works under a strict Content-Security-Policy.)
window.Shirube.init({
  spec: {
    version: 1,
    product: 'script-tag-demo',
    flows: [{
      id: 'hello', kind: 'tour', trigger: { page: '/*' },
      steps: [
        { id: 'button', target: '#start', title: { en: 'Start here', ja: 'ここから' }, body: 'This tour runs from a **script tag**.', advance: { event: 'created' } },
        { id: 'done', title: 'Done', body: 'That is all it takes.' },
      ],
    }],
  },
  user: { id: 'visitor' },
}).then(function (sb) {
  window.sb = sb;
  document.getElementById('start').addEventListener('click', function () {
    sb.track('created');
    document.getElementById('status').textContent = 'Created.';
  });
});
