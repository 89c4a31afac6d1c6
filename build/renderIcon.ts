/**
 * Draws the app icon — three stacked stones, a cairn — from one list of shapes into both
 * resources/icon.svg and resources/icon.png (1024×1024, what electron-builder converts to
 * .icns/.ico). Pure Node, so no ImageMagick or canvas package is needed. Run with
 * `npx tsx build/renderIcon.ts` after changing a shape; the outputs are committed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';

export const ICON_SIZE = 1024;
const BACKGROUND = { color: '#1f3a3d', radius: 224 } as const;

type Ellipse = Readonly<{ cx: number; cy: number; rx: number; ry: number; color: string }>;

/** Bottom to top, painted in this order. */
export const STONES: readonly Ellipse[] = [
  { cx: 512, cy: 742, rx: 300, ry: 116, color: '#d9d2c1' },
  { cx: 494, cy: 560, rx: 224, ry: 94, color: '#ebe6da' },
  { cx: 526, cy: 405, rx: 150, ry: 70, color: '#f5f2ea' },
  { cx: 506, cy: 282, rx: 86, ry: 48, color: '#ffffff' },
];

export function iconSvg(): string {
  const stones = STONES.map((s) => `  <ellipse cx="${s.cx}" cy="${s.cy}" rx="${s.rx}" ry="${s.ry}" fill="${s.color}"/>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${ICON_SIZE}" height="${ICON_SIZE}" viewBox="0 0 ${ICON_SIZE} ${ICON_SIZE}">`,
    `  <title>Cairn</title>`,
    `  <rect width="${ICON_SIZE}" height="${ICON_SIZE}" rx="${BACKGROUND.radius}" fill="${BACKGROUND.color}"/>`,
    ...stones,
    '</svg>',
    '',
  ].join('\n');
}

/** RGBA pixels with 4×4 supersampling for smooth edges. */
export function iconPixels(size = ICON_SIZE): Uint8Array {
  const scale = ICON_SIZE / size;
  const pixels = new Uint8Array(size * size * 4);
  const background = rgb(BACKGROUND.color);
  const stones = STONES.map((stone) => ({ ...stone, rgb: rgb(stone.color) }));
  const samples = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const px = (x + (sx + 0.5) / samples) * scale;
          const py = (y + (sy + 0.5) / samples) * scale;
          if (!insideRoundedSquare(px, py)) continue;
          let color = background;
          for (const stone of stones) {
            if (((px - stone.cx) / stone.rx) ** 2 + ((py - stone.cy) / stone.ry) ** 2 <= 1) color = stone.rgb;
          }
          r += color[0];
          g += color[1];
          b += color[2];
          a += 1;
        }
      }
      const offset = (y * size + x) * 4;
      if (a > 0) {
        pixels[offset] = Math.round(r / a);
        pixels[offset + 1] = Math.round(g / a);
        pixels[offset + 2] = Math.round(b / a);
      }
      pixels[offset + 3] = Math.round((255 * a) / (samples * samples));
    }
  }
  return pixels;
}

/** Minimal PNG encoder: 8-bit RGBA, no filtering, one IDAT chunk. */
export function encodePng(pixels: Uint8Array, width: number, height: number): Buffer {
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width * 4 + 1)] = 0;
    Buffer.from(pixels.buffer, pixels.byteOffset + y * width * 4, width * 4).copy(rows, y * (width * 4 + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function insideRoundedSquare(x: number, y: number): boolean {
  const r = BACKGROUND.radius;
  const cx = Math.min(Math.max(x, r), ICON_SIZE - r);
  const cy = Math.min(Math.max(y, r), ICON_SIZE - r);
  return x >= 0 && y >= 0 && x <= ICON_SIZE && y <= ICON_SIZE && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function rgb(hex: string): readonly [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const resources = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources');
  writeFileSync(path.join(resources, 'icon.svg'), iconSvg());
  writeFileSync(path.join(resources, 'icon.png'), encodePng(iconPixels(), ICON_SIZE, ICON_SIZE));
  process.stdout.write('wrote resources/icon.svg and resources/icon.png\n');
}
