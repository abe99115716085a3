/** Test data for the agent tests: Unicode text samples, big texts and PNG images. */
import sharp from 'sharp';

export const SAMPLES: Record<string, string> = {
  accents: 'Grüße, café, naïve, Ångström, œuvre, Dvořák, Łódź',
  cjk: '日本語のテキスト、中文文本，한국어 텍스트',
  emoji: '🎉👍🏽 👨‍👩‍👧‍👦 🇫🇷 🏳️‍🌈 🤖',
  rtl: 'שלום עולם — مرحبا بالعالم (123)',
  combining: 'e\u0301 a\u0308 n\u0303 Z\u0351\u0327\u0353 \u1e9b\u0323',
  control: 'line 1\nline 2\r\n\ttab\u00a0nbsp\u200bzwsp\n',
};

/** A text of exactly `bytes` UTF-8 bytes mixing 1- to 4-byte characters and newlines. */
export function bigText(bytes: number): Buffer {
  const pieces = ['abc def ', 'é', '世', '🎉', '\n', 'Zürich ', 'שלום '];
  const out: Buffer[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    let p = Buffer.from(pieces[(i * 7 + (i >> 3)) % pieces.length]!, 'utf8');
    if (n + p.length > bytes) p = Buffer.alloc(bytes - n, 0x78);
    out.push(p);
    n += p.length;
  }
  return Buffer.concat(out);
}

/** A PNG with an alpha channel and a gradient/noise pattern no palette reduces. */
export async function testPng(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const x = i % width;
    const y = Math.floor(i / width);
    raw[i * 4] = (x * 7 + y) & 255;
    raw[i * 4 + 1] = (y * 5) & 255;
    raw[i * 4 + 2] = (x * y) & 255;
    raw[i * 4 + 3] = 255 - ((x + y) & 127);
  }
  return sharp(raw, {raw: {width, height, channels: 4}}).png().toBuffer();
}

