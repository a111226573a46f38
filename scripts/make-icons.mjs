// Draws the app and tray icons as PNGs (no image tools needed): a database drum in a rounded square,
// with a status dot for each tray state. Run with `node scripts/make-icons.mjs`; the PNGs are committed.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
function png(size, pixel) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) row.set(pixel((x + 0.5) / size, (y + 0.5) / size), 1 + x * 4);
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const BLUE = [11, 92, 173, 255];
const WHITE = [255, 255, 255, 255];
const CLEAR = [0, 0, 0, 0];
const STATES = {
  idle: [26, 127, 55, 255],
  backing_up: [9, 105, 218, 255],
  failed: [207, 34, 46, 255],
  paused: [154, 103, 0, 255],
  stopped: [110, 119, 129, 255],
};

function drum(u, v) {
  // A database drum: three stacked ellipses' outline and body.
  const cx = 0.5;
  const rx = 0.28;
  const ry = 0.08;
  const inBody = Math.abs(u - cx) <= rx && v >= 0.28 && v <= 0.72;
  const ell = (vy) => ((u - cx) / rx) ** 2 + ((v - vy) / ry) ** 2;
  const top = ell(0.28) <= 1;
  const bottom = ell(0.72) <= 1;
  const ring = (vy) => Math.abs(ell(vy) - 1) < 0.22 && v >= vy;
  if (ring(0.43) || ring(0.58) || Math.abs(ell(0.28) - 1) < 0.22) return 'line';
  return inBody || top || bottom ? 'body' : null;
}

function icon(u, v, dot) {
  const r = 0.18;
  const dx = Math.max(0, Math.abs(u - 0.5) - (0.5 - r) + 0.02);
  const dy = Math.max(0, Math.abs(v - 0.5) - (0.5 - r) + 0.02);
  if (dx * dx + dy * dy > r * r) return CLEAR;
  if (dot && (u - 0.78) ** 2 + (v - 0.78) ** 2 < 0.2 ** 2) {
    return (u - 0.78) ** 2 + (v - 0.78) ** 2 < 0.16 ** 2 ? dot : WHITE;
  }
  const d = drum(u, v);
  if (d === 'line') return BLUE;
  if (d === 'body') return WHITE;
  return BLUE;
}

const out = path.resolve(import.meta.dirname, '../assets');
fs.mkdirSync(path.join(out, 'tray'), { recursive: true });
fs.writeFileSync(
  path.join(out, 'icon.png'),
  png(512, (u, v) => icon(u, v, null)),
);
for (const [state, color] of Object.entries(STATES)) {
  for (const [suffix, size] of [
    ['', 16],
    ['@2x', 32],
  ]) {
    fs.writeFileSync(
      path.join(out, 'tray', `${state.replace('_', '-')}${suffix}.png`),
      png(size, (u, v) => icon(u, v, color)),
    );
  }
}
console.log(`Icons written to ${out}`);
