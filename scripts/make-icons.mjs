// Writes the PWA's PNG icons (a ring and a dot, the FanMesh mark) without any image tooling:
// a raw RGBA raster, deflated, in a minimal PNG container. Run once; the output is committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

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

function icon(size, { maskable }) {
  const bg = [0x0b, 0x3d, 0x2e, 255];
  const fg = [0xf5, 0xc5, 0x18, 255];
  const scale = maskable ? 0.7 : 1; // maskable icons keep the mark inside the safe zone
  const c = size / 2;
  const ringR = 150 * (size / 512) * scale;
  const ringW = 18 * (size / 512) * scale;
  const dotR = 56 * (size / 512) * scale;
  const corner = maskable ? 0 : 96 * (size / 512);
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - c;
      const dy = y + 0.5 - c;
      const d = Math.hypot(dx, dy);
      const qx = Math.max(Math.abs(dx) - (c - corner), 0);
      const qy = Math.max(Math.abs(dy) - (c - corner), 0);
      const inside = Math.hypot(qx, qy) <= corner || corner === 0;
      const px = !inside ? [0, 0, 0, 0] : d <= dotR || Math.abs(d - ringR) <= ringW ? fg : bg;
      row.set(px, 1 + x * 4);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

const out = 'apps/web/public/icons';
writeFileSync(`${out}/icon-192.png`, icon(192, { maskable: false }));
writeFileSync(`${out}/icon-512.png`, icon(512, { maskable: false }));
writeFileSync(`${out}/icon-maskable-512.png`, icon(512, { maskable: true }));
console.log(`icons written to ${out}`);
