// Draws the app and tray icons (no image tools needed): a database drum in a rounded square, with a
// status dot for each tray state. Writes every size the installers need: PNGs from 16 to 1024 px
// (Linux icon set), a Windows .ico and a macOS .icns, both holding PNG images.
// Run with `node scripts/make-icons.mjs`; the files are committed.
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
// 4×4 samples per pixel, averaged: smooth edges at every size.
const SAMPLES = 4;
function png(size, pixel) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const [r, g, b, a] = pixel((x + (sx + 0.5) / SAMPLES) / size, (y + (sy + 0.5) / SAMPLES) / size);
          sum[0] += r * a;
          sum[1] += g * a;
          sum[2] += b * a;
          sum[3] += a;
        }
      }
      const alpha = sum[3] / SAMPLES ** 2;
      const colour = sum[3] ? sum.slice(0, 3).map((c) => Math.round(c / sum[3])) : [0, 0, 0];
      row.set([...colour, Math.round(alpha)], 1 + x * 4);
    }
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

/** A Windows icon: an ICONDIR, one entry per size, each image a PNG (Vista and later read these). */
function ico(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(([size, data]) => {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0); // 0 means 256
    entry.writeUInt8(size >= 256 ? 0 : size, 1);
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += data.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map(([, data]) => data)]);
}

/** A macOS icon: 'icns' and its length, then one PNG chunk per OSType (macOS 10.7 and later). */
const ICNS_TYPES = {
  16: 'icp4',
  32: 'icp5',
  64: 'icp6',
  128: 'ic07',
  256: 'ic08',
  512: 'ic09',
  1024: 'ic10',
};
function icns(images) {
  const chunks = images.map(([size, data]) => {
    const head = Buffer.alloc(8);
    head.write(ICNS_TYPES[size], 0, 'ascii');
    head.writeUInt32BE(8 + data.length, 4);
    return Buffer.concat([head, data]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + chunks.reduce((n, c) => n + c.length, 0), 4);
  return Buffer.concat([head, ...chunks]);
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
fs.mkdirSync(path.join(out, 'icons'), { recursive: true });

const APP_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const app = new Map(APP_SIZES.map((size) => [size, png(size, (u, v) => icon(u, v, null))]));
// Linux takes a folder of NxN.png; electron-builder picks the sizes each target needs from it.
for (const [size, data] of app) fs.writeFileSync(path.join(out, 'icons', `${size}x${size}.png`), data);
fs.writeFileSync(path.join(out, 'icon.png'), app.get(1024));
fs.writeFileSync(path.join(out, 'icon.ico'), ico([16, 24, 32, 48, 64, 128, 256].map((s) => [s, app.get(s)])));
fs.writeFileSync(
  path.join(out, 'icon.icns'),
  icns([16, 32, 64, 128, 256, 512, 1024].map((s) => [s, app.get(s)])),
);

for (const [state, color] of Object.entries(STATES)) {
  for (const [suffix, size] of [
    ['', 16],
    ['@2x', 32],
    ['@3x', 48],
  ]) {
    fs.writeFileSync(
      path.join(out, 'tray', `${state.replace('_', '-')}${suffix}.png`),
      png(size, (u, v) => icon(u, v, color)),
    );
  }
}
console.log(`Icons written to ${out}`);
