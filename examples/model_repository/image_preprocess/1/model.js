// image_preprocess: decodes PNG/JPEG bytes with sharp and produces PaddleOCR's cls input:
// height 48, aspect ratio kept, width capped at 192 and right-padded with 0 (after
// normalisation, as PaddleOCR pads), values (v / 255 - 0.5) / 0.5, channels first (RGB).
// One execute() gets every request of a batch; each row of each request is one image.
import sharp from 'sharp';
import { bytesElements, ModelError, tensorFromBytes } from 'nereid/backend';

const HEIGHT = 48;
const WIDTH = 192;
const PLANE = HEIGHT * WIDTH;

/** Decodes one encoded image into `out` (3 × 48 × 192 floats, already zero). */
async function preprocess(bytes, out, label) {
  let decoded;
  try {
    const image = sharp(bytes, { failOn: 'error' });
    const meta = await image.metadata();
    if (!meta.width || !meta.height) throw new Error('no image size');
    const width = Math.max(1, Math.min(WIDTH, Math.ceil((HEIGHT * meta.width) / meta.height)));
    decoded = await image
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize(width, HEIGHT, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ModelError(`${label} is not a decodable PNG or JPEG image: ${err.message}`, 'INVALID_ARG');
  }
  const { data, info } = decoded;
  const channels = info.channels;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const src = (y * info.width + x) * channels;
      const dst = y * WIDTH + x;
      for (let c = 0; c < 3; c++) out[c * PLANE + dst] = (data[src + c] / 255 - 0.5) / 0.5;
    }
  }
}

/** One request: every row's image into one [rows, 3, 48, 192] tensor. */
async function answer(request) {
  const images = bytesElements(request.input('image'));
  const out = new Float32Array(images.length * 3 * PLANE);
  await Promise.all(
    images.map((bytes, row) =>
      preprocess(bytes, out.subarray(row * 3 * PLANE, (row + 1) * 3 * PLANE), `Input 'image' row ${row}`),
    ),
  );
  return [tensorFromBytes('x', 'FP32', [images.length, 3, HEIGHT, WIDTH], new Uint8Array(out.buffer))];
}

export default class ImagePreprocess {
  /** @param {import('nereid/backend').ModelRequest[]} requests */
  async execute(requests) {
    return Promise.all(requests.map((request) => answer(request).catch((err) => err)));
  }
}
