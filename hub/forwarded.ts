/**
 * Who sent a request. Behind a reverse proxy (SKYLAPSE_TRUST_PROXY) that is the
 * last address in X-Forwarded-For — the one the proxy itself saw and appended;
 * addresses before it are whatever the client wrote. Without the setting the
 * header is ignored: a client could write anything in it. `peer` is the socket's
 * address (the proxy's, behind one).
 */
export function clientAddress(request: Request, peer: string | null, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",").map((a) => a.trim()).filter(Boolean);
    if (forwarded?.length) return forwarded.at(-1)!;
  }
  return peer;
}
