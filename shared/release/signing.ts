/**
 * Ed25519 release signatures, the operator's side (the agent verifies in public-key.ts).
 * The public key travels as one line (base64 of the raw 32 bytes, for
 * SKYLAPSE_RELEASE_PUBKEY); the private key is a PKCS#8 PEM file the operator keeps off the hub.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
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

export function signManifest(manifest: ReleaseManifest, privatePem: string): SignedManifest {
  const signature = sign(null, Buffer.from(canonicalJson(manifest)), createPrivateKey(privatePem)).toString("base64");
  return { manifest, signature };
}
