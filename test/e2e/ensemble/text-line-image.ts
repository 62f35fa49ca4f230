/**
 * Synthetic text-line images for the image-ensemble tests, drawn as SVG rectangles (no fonts
 * needed) and encoded with sharp: black "letters" on white, x-height bodies on a common baseline
 * with ascenders on some of them, grouped into words, so the line has a clear up and down.
 */
import sharp from 'sharp';

/** Image formats the tests encode to. */
export type ImageFormat = 'png' | 'jpeg';

/** Size of the drawn line in pixels. */
export const LINE_WIDTH_PX = 320;
/** Height of the drawn line in pixels. */
export const LINE_HEIGHT_PX = 64;

/** SVG of a text-like line: `seed` varies the letter pattern. */
function lineSvg(seed: number): string {
  const rects: string[] = [];
  let x = 8;
  let i = seed;
  while (x < LINE_WIDTH_PX - 20) {
    const wordLength = 3 + (i % 4);
    for (let k = 0; k < wordLength && x < LINE_WIDTH_PX - 20; k++, i++) {
      const ascender = i % 3 === 0;
      const top = ascender ? 12 : 28;
      rects.push(`<rect x="${x}" y="${top}" width="9" height="${48 - top}" fill="black"/>`);
      if (!ascender) rects.push(`<rect x="${x}" y="28" width="14" height="4" fill="black"/>`);
      x += 16;
    }
    x += 14;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${LINE_WIDTH_PX}" height="${LINE_HEIGHT_PX}"><rect width="100%" height="100%" fill="white"/>${rects.join('')}</svg>`;
}

/** An encoded text-line image; `rotate180` turns it upside down. */
export async function textLineImage(format: ImageFormat, seed = 0, rotate180 = false): Promise<Uint8Array> {
  let image = sharp(Buffer.from(lineSvg(seed)));
  if (rotate180) image = sharp(await image.png().toBuffer()).rotate(180);
  const encoded =
    format === 'png' ? await image.png().toBuffer() : await image.jpeg({ quality: 90 }).toBuffer();
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.length);
}
