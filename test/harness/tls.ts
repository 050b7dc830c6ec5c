/** A self-signed certificate for 127.0.0.1, made by openssl, for the TLS tests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./processes";

export interface SelfSigned {
  dir: string;
  cert: string;
  key: string;
  /** The certificate's PEM: a client's CA for it. */
  ca: string;
}

export function selfSigned(): SelfSigned {
  const dir = tempDir("tls");
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const p = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2", "-keyout", key, "-out", cert]);
  if (p.exitCode !== 0) throw new Error(`openssl: ${p.stderr.toString()}`);
  return { dir, cert, key, ca: readFileSync(cert, "utf8") };
}
