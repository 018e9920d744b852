// Demo data for `npm run demo`: scripts/demo.mjs calls `seed(collectorUrl)` once the Acme spec
// is published. It asks the collector, running with `serve --dev`, to simulate users of all
// three touch tiers over the last 90 days (POST /v1/dev/seed, the same simulation as
// `shirube-collector seed`, written through the collector's own store), so the dashboard at
// the collector's `/` opens populated. Deterministic: the same options give the same events,
// and seeding again stores nothing new.
export async function seed(collectorUrl, { users = 3000, days = 90, end, token = 'sb_admin_demo', quiet = false } = {}) {
  const q = new URLSearchParams({ users: String(users), days: String(days) });
  if (end) q.set('end', end);
  const res = await fetch(`${collectorUrl}/v1/dev/seed?${q}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`seeding the demo data failed: ${res.status} ${JSON.stringify(body)}`);
  if (!quiet) {
    console.log(`  dashboard data: ${body.users} users, ${body.events.toLocaleString('en-US')} events over ${days} days (${body.seconds.toFixed(1)} s)`);
  }
  return body;
}
