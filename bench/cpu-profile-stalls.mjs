// `node bench/cpu-profile-stalls.mjs FILE.cpuprofile [MIN_MS | --at END_US:LATE_MS,...]`: the stretches of a V8 CPU profile (node
// --cpu-prof) in which the thread ran JavaScript (or GC) without a break for MIN_MS (20) or longer — the event-loop stalls a
// max figure counts — each with the time it started, how long it lasted, the functions it spent its
// own time in, and our own code on the stacks (the first frame under out/ or electron/). With --at (the
// worst stalls bench:backup prints): what ran in each stall's window instead. Where the time in all
// goes: bench/cpu-profile-summary.mjs.
import fs from 'node:fs';

const [file, minMs = '20', windows] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/cpu-profile-stalls.mjs FILE.cpuprofile [MIN_MS]');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(out|node_modules|electron)\//, '$1/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};
/** The innermost frame of our own code on the sample's stack, if any. */
function ours(id) {
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const { url } = byId.get(at).callFrame;
    if (/\/(out|electron)\//.test(url) && !url.includes('node_modules')) return name(byId.get(at));
  }
  return '(no frame of ours)';
}

const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
/** The n largest entries of a map of µs, as lines. */
const top = (map, n) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${(us / 1000).toFixed(1)} ms ${k}`);
// Between two tasks the loop itself runs: "(program)" (native, outside JS) ends a stretch as idle does.
const isIdle = (id) => ['(idle)', '(program)'].includes(byId.get(id).callFrame.functionName);

if (minMs === '--at') {
  // Each window: from END_US - LATE_MS - the timer's 5 ms to END_US, on the profile's own clock.
  for (const w of (windows ?? '').split(',').filter(Boolean)) {
    const [endUs, lateMs] = w.split(':').map(Number);
    const from = endUs - (lateMs + 5) * 1000;
    const self = new Map();
    const own = new Map();
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      if (t < from || t > endUs) continue;
      const id = profile.samples[i];
      const dt = profile.timeDeltas[i + 1] ?? 0;
      const leaf = name(byId.get(id));
      add(self, leaf, dt);
      add(own, ours(id), dt);
    }
    console.log(
      `\nstall of ${lateMs} ms ending at ${endUs} µs (profile +${((endUs - profile.startTime) / 1e6).toFixed(2)} s)`,
    );
    for (const line of top(self, Number(process.env.TOP ?? 8))) console.log(`  self  ${line}`);
    for (const line of top(own, Number(process.env.TOP ?? 5))) console.log(`  ours  ${line}`);
  }
  process.exit(0);
}

const stalls = [];
let current = null;
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i] ?? 0;
  const id = profile.samples[i];
  const dt = profile.timeDeltas[i + 1] ?? 0;
  if (isIdle(id)) {
    if (current) stalls.push(current);
    current = null;
    continue;
  }
  current ??= { start: t, us: 0, self: new Map(), ours: new Map() };
  current.us += dt;
  const leaf = name(byId.get(id));
  add(current.self, leaf, dt);
  const own = ours(id);
  add(current.ours, own, dt);
}
if (current) stalls.push(current);
const long = stalls.filter((s) => s.us >= Number(minMs) * 1000);
console.log(`${file}: ${long.length} stretches busy for ${minMs} ms or more (of ${stalls.length})`);
for (const s of long.sort((a, b) => b.us - a.us).slice(0, 15)) {
  console.log(
    `\nat +${((s.start - profile.startTime) / 1e6).toFixed(2)} s: ${(s.us / 1000).toFixed(1)} ms busy`,
  );
  for (const line of top(s.self, 6)) console.log(`  self  ${line}`);
  for (const line of top(s.ours, 4)) console.log(`  ours  ${line}`);
}
