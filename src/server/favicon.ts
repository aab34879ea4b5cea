/** A 16×16 icon for /favicon.ico when the built web lab has none (browsers ask for it on every page). */
export function faviconIco(): Buffer {
  const size = 16;
  const pixels = size * size * 4, mask = size * 4; // BGRA rows bottom-up, then a 1-bit AND mask padded to 4 bytes per row
  const bmp = Buffer.alloc(40 + pixels + mask);
  bmp.writeUInt32LE(40, 0);
  bmp.writeInt32LE(size, 4);
  bmp.writeInt32LE(size * 2, 8); // an ICO's bitmap counts the mask's rows too
  bmp.writeUInt16LE(1, 12);
  bmp.writeUInt16LE(32, 14);
  bmp.writeUInt32LE(pixels + mask, 20);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = 40 + 4 * (y * size + x);
      const ring = Math.abs(Math.hypot(x - 7.5, y - 7.5) - 5.5) < 1.5; // a ring: the circle of a grokked embedding
      bmp.writeUInt32LE(ring ? 0xff2f6fd8 : 0x00000000, o);
    }
  }
  const head = Buffer.alloc(22);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2);
  head.writeUInt16LE(1, 4);
  head.writeUInt8(size, 6);
  head.writeUInt8(size, 7);
  head.writeUInt16LE(1, 10);
  head.writeUInt16LE(32, 12);
  head.writeUInt32LE(bmp.length, 14);
  head.writeUInt32LE(22, 18);
  return Buffer.concat([head, bmp]);
}
