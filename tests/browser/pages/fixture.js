// Fixture page driver: starts Shirube with the spec named in ?spec= (from specs.js) and exposes
// the instance and its events for the tests as window.__sb and window.__events.
import { Shirube } from '/js/index.js';
import { SPECS } from './specs.js';

const params = new URLSearchParams(location.search);
window.__events = [];
window.__errors = [];
const spec = SPECS[params.get('spec') || 'basic'];
const user = { id: params.get('user') || 'u1', traits: JSON.parse(params.get('traits') || '{"tier":"tech","plan":"free"}') };
window.__sbReady = Shirube.init({ spec, user, locale: params.get('locale') || undefined, onError: (e) => window.__errors.push(e) }).then((sb) => {
  sb.on('*', (e) => window.__events.push(e));
  window.__sb = sb;
  return sb;
});
