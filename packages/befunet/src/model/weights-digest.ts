/**
 * `weightsDigest`: a SHA-256 fingerprint of a model's weights, to check that two runs (processes,
 * machines) reached the same weights bit for bit. Web Crypto, so it runs in browsers and Node.js.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Hex SHA-256 over every weight in the order of their scoped names: the name and shape as a text
 * line (`patch_embed/proj/kernel [4,4,3,8]`), then the values' float32 bytes (little-endian).
 */
export async function weightsDigest(model: tfl.LayersModel): Promise<string> {
  const weights = [...model.weights].sort((a, b) =>
    a.originalName < b.originalName ? -1 : a.originalName > b.originalName ? 1 : 0,
  );
  const parts: Uint8Array[] = [];
  const text = new TextEncoder();
  for (const w of weights) {
    const values = (await w.read().data()) as Float32Array;
    parts.push(text.encode(`${w.originalName} ${JSON.stringify(w.shape)}\n`));
    parts.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  const hash = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  return [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
}
