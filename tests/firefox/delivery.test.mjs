// Event delivery under faults, in Firefox: the cases shared with WebKit
// (tests/browser/delivery-cases.mjs) through Firefox's own fetch, keepalive, sendBeacon,
// localStorage and page lifecycle.
import { before, after } from 'node:test';
import { launch, startServer, watchProblems } from './harness.mjs';
import { faultServer } from '../browser/fault-server.mjs';
import { deliveryCases } from '../browser/delivery-cases.mjs';

let ff, server, fs;
before(async () => {
  fs = await faultServer();
  server = await startServer({ connect: [fs.base] });
  ff = await launch();
});
after(async () => {
  await ff?.close();
  await server?.stop();
  await fs?.stop();
});

deliveryCases('Firefox', {
  fs: () => fs,
  base: () => server.base,
  newPage: async () => {
    const page = await ff.browser.newPage();
    page.watched = watchProblems(page);
    return page;
  },
  problems: async (page) => page.watched,
  closeTab: (page) => page.close({ runBeforeUnload: true }),
});
