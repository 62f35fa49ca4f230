/**
 * Test helper: draws a line of capital letters with a 5x7 pixel font into a 3x48x192 CHW float32
 * image normalised as PaddleOCR's classifier expects (white = +1, black = -1), and rotates such
 * images by 180 degrees. Enough to check that the real text_orientation model sees orientation.
 */

const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  D: ['11110', '10001', '10001', '10001', '10001', '10001', '11110'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  H: ['10001', '10001', '10001', '11111', '10001', '10001', '10001'],
  L: ['10000', '10000', '10000', '10000', '10000', '10000', '11111'],
  O: ['01110', '10001', '10001', '10001', '10001', '10001', '01110'],
  R: ['11110', '10001', '10001', '11110', '10100', '10010', '10001'],
  W: ['10001', '10001', '10001', '10101', '10101', '10101', '01010'],
  ' ': ['00000', '00000', '00000', '00000', '00000', '00000', '00000'],
};

/** Image height in pixels. */
export const LINE_HEIGHT = 48;
/** Image width in pixels. */
export const LINE_WIDTH = 192;

/** Renders `text` (letters of GLYPHS) with each font pixel drawn as a `scale`x`scale` block. */
export function renderTextLine(text: string, scale: number): Float32Array {
  const plane = LINE_HEIGHT * LINE_WIDTH;
  const img = new Float32Array(3 * plane).fill(1);
  const top = Math.floor((LINE_HEIGHT - 7 * scale) / 2);
  let left = 4;
  for (const ch of text) {
    const glyph = GLYPHS[ch];
    if (!glyph) throw new Error(`No glyph for "${ch}"`);
    for (let r = 0; r < 7; r++) {
      for (let c = 0; c < 5; c++) {
        if (glyph[r]![c] !== '1') continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const x = left + c * scale + dx;
            const y = top + r * scale + dy;
            if (x < LINE_WIDTH) for (let k = 0; k < 3; k++) img[k * plane + y * LINE_WIDTH + x] = -1;
          }
        }
      }
    }
    left += 6 * scale;
  }
  return img;
}

/** The image turned upside down (rotated by 180 degrees). */
export function rotate180(img: Float32Array): Float32Array {
  const plane = LINE_HEIGHT * LINE_WIDTH;
  const out = new Float32Array(img.length);
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < plane; i++) out[k * plane + (plane - 1 - i)] = img[k * plane + i]!;
  }
  return out;
}
