import { expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../harness/processes";
import { ImageStore, ImageTaken } from "../../edge/store/images";

const bytes = (s: string) => new TextEncoder().encode(s);

test("an image a committed record names is never overwritten (nor its bracket frames); a file no record names may be", () => {
  const committed = new Set(["2026-11-24/daytime/f/20261124T130000Z.jpg"]);
  const store = new ImageStore(join(tempDir("store"), "images"), (file) => committed.has(file));
  store.write("2026-11-24/daytime/f/20261124T130000Z.jpg", bytes("first"));
  store.write("2026-11-24/daytime/f/20261124T130000Z_ev-2.jpg", bytes("first -2"));
  expect(() => store.write("2026-11-24/daytime/f/20261124T130000Z.jpg", bytes("second"))).toThrow(ImageTaken);
  expect(() => store.write("2026-11-24/daytime/f/20261124T130000Z_ev-2.jpg", bytes("second -2"))).toThrow(ImageTaken);
  expect(readFileSync(store.pathOf("2026-11-24/daytime/f/20261124T130000Z.jpg"), "utf8")).toBe("first");
  expect(readFileSync(store.pathOf("2026-11-24/daytime/f/20261124T130000Z_ev-2.jpg"), "utf8")).toBe("first -2");
  // Left by a capture interrupted before its record was committed: the tick's capture may replace it.
  const orphan = "2026-11-24/daytime/f/20261124T130015Z.jpg";
  mkdirSync(store.pathOf("2026-11-24/daytime/f"), { recursive: true });
  writeFileSync(store.pathOf(orphan), "half");
  expect(store.holds(orphan)).toBe(false);
  store.write(orphan, bytes("whole"));
  expect(readFileSync(store.pathOf(orphan), "utf8")).toBe("whole");
});

test("without a record lookup, no existing file is replaced", () => {
  const store = new ImageStore(join(tempDir("store"), "images"));
  store.write("a/b.jpg", bytes("one"));
  expect(() => store.write("a/b.jpg", bytes("two"))).toThrow(ImageTaken);
  expect(readFileSync(store.pathOf("a/b.jpg"), "utf8")).toBe("one");
  expect(existsSync(store.pathOf("a/c.jpg"))).toBe(false);
});
