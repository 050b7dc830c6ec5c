/** The SMTP client against real aiosmtpd servers on loopback: plain, and one requiring AUTH. */
import { afterEach, describe, expect, test } from "bun:test";
import { parseSmtpUrl, sendMail, SmtpError } from "../../hub/alerts/smtp";
import { startSmtpServer, type SmtpServer } from "../harness/notify-receivers";

let server: SmtpServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const message = (subject: string) => ({ to: ["ops@example.org", "oncall@example.org"], subject, text: "first line\n.a line with a leading dot\n\nlast\n", date: Date.parse("2026-11-30T12:00:00Z"), messageId: "t1@skylapse" });

describe("SMTP client", () => {
  test("delivers to every recipient, the body intact after dot-stuffing", async () => {
    server = await startSmtpServer();
    await sendMail(parseSmtpUrl(server.url("skylapse@example.org")), message("FIRING ridge: offline"));
    const [got] = server.messages();
    expect(got!.subject).toBe("FIRING ridge: offline");
    expect(got!.to).toBe("ops@example.org, oncall@example.org");
    expect(got!.text.replace(/\r\n/g, "\n")).toBe("first line\n.a line with a leading dot\n\nlast\n");
  });

  test("AUTH PLAIN: the right password is accepted, a wrong one refused with the server's reply", async () => {
    server = await startSmtpServer({ user: "hub", pass: "s3cret pass" });
    const base = new URL(server.url("skylapse@example.org"));
    base.username = "hub";
    base.password = encodeURIComponent("s3cret pass");
    await sendMail(parseSmtpUrl(base.href), message("with auth"));
    expect(server.messages().map((m) => m.subject)).toEqual(["with auth"]);
    base.password = "wrong";
    await expect(sendMail(parseSmtpUrl(base.href), message("refused"))).rejects.toThrow(/AUTH: 535/);
    const noAuth = new URL(base.href);
    noAuth.username = noAuth.password = "";
    await expect(sendMail(parseSmtpUrl(noAuth.href), message("refused"))).rejects.toBeInstanceOf(SmtpError);
    await Bun.sleep(200);
    expect(server.messages()).toHaveLength(1);
  });

  test("nobody listening: a clear error", async () => {
    await expect(sendMail(parseSmtpUrl("smtp://127.0.0.1:1?from=a@b.c"), message("x"), 2000)).rejects.toThrow(/cannot reach the SMTP server 127.0.0.1:1/);
  });
});
