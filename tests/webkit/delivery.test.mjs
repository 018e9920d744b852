// Event delivery under faults, in WebKit: the cases shared with Firefox
// (tests/browser/delivery-cases.mjs) through WebKit's own fetch, keepalive, sendBeacon,
// localStorage and page lifecycle (Safari's engine, with its own rules for beacons and
// keepalive requests to another origin). Each test opens its own windows and closes them.
import { before, after } from 'node:test';
import { launch, startServer } from './harness.mjs';
import { faultServer } from '../browser/fault-server.mjs';
import { deliveryCases } from '../browser/delivery-cases.mjs';

let wk, server, fs;
before(async () => {
  fs = await faultServer();
  server = await startServer({ connect: [fs.base] });
  wk = await launch();
});
after(async () => {
  await wk?.close();
  await server?.stop();
  await fs?.stop();
});

deliveryCases('WebKit', {
  fs: () => fs,
  base: () => server.base,
  newPage: () => wk.newPage(),
  problems: (page) => page.problems(),
  closeTab: (page) => page.close(),
});
