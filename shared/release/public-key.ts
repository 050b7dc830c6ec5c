/**
 * The agent's side of release signatures: the one-line Ed25519 public key
 * (SKYLAPSE_RELEASE_PUBKEY, base64 of the raw 32 bytes) and verifying a manifest with it
 * through WebCrypto, so the agent never loads node:crypto (megabytes it would keep).
 * The operator's side, keys and signing, is signing.ts.
 */
import { canonicalJson } from "../canonical";
import type { SignedManifest } from "../contracts/release";

/** The raw 32 bytes of a one-line Ed25519 public key; throws on anything else. */
export function publicKeyBytes(line: string): Buffer<ArrayBuffer> {
  const raw = Buffer.from(line.trim(), "base64");
  if (raw.length !== 32 || raw.toString("base64") !== line.trim()) throw new Error("an Ed25519 public key is 32 bytes in base64 (44 characters)");
  return raw;
}

/** Whether the manifest was signed by this one-line key (the manifest as it stands: any edit breaks it). */
export async function manifestSignedBy(signed: SignedManifest, publicKey: string): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey("raw", publicKeyBytes(publicKey), { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify("Ed25519", key, Buffer.from(signed.signature, "base64"), Buffer.from(canonicalJson(signed.manifest)));
  } catch {
    return false;
  }
}
