/**
 * Ed25519 release signatures. The public key travels as one line (base64 of the
 * raw 32 bytes, for SKYLAPSE_RELEASE_PUBKEY); the private key is a PKCS#8 PEM
 * file the operator keeps off the hub.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { canonicalJson } from "../canonical";
import type { ReleaseManifest, SignedManifest } from "../contracts/release";

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw key follows. */
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function generateReleaseKeys(): { privatePem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKey: publicKeyLine(publicKey) };
}

function publicKeyLine(key: KeyObject): string {
  return (key.export({ type: "spki", format: "der" }) as Buffer).subarray(SPKI_PREFIX.length).toString("base64");
}

/** The one-line public key of a private key file's contents. */
export function publicKeyOf(privatePem: string): string {
  return publicKeyLine(createPublicKey(createPrivateKey(privatePem)));
}

/** A one-line public key as a key object; throws on anything else. */
export function parsePublicKey(line: string): KeyObject {
  const raw = Buffer.from(line.trim(), "base64");
  if (raw.length !== 32 || raw.toString("base64") !== line.trim()) throw new Error("an Ed25519 public key is 32 bytes in base64 (44 characters)");
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

export function signManifest(manifest: ReleaseManifest, privatePem: string): SignedManifest {
  const signature = sign(null, Buffer.from(canonicalJson(manifest)), createPrivateKey(privatePem)).toString("base64");
  return { manifest, signature };
}

/** Whether the manifest was signed by this key (the manifest as it stands: any edit breaks it). */
export function manifestSignedBy(signed: SignedManifest, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson(signed.manifest)), publicKey, Buffer.from(signed.signature, "base64"));
  } catch {
    return false;
  }
}
