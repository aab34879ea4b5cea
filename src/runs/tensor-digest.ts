import { createHash } from "node:crypto";
import type { SafeTensors } from "./safetensors.js";

/** sha256 over every tensor's name, dtype, shape and bytes, in name order: independent of the file's layout. */
export function tensorsDigest(tensors: SafeTensors): string {
  const h = createHash("sha256");
  for (const name of Object.keys(tensors).sort()) {
    const { dtype, shape, data } = tensors[name];
    h.update(`${name}\u0000${dtype}\u0000${shape.join(",")}\u0000`);
    h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest("hex");
}
